import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { profileConfigArgs, profileOverrides, userReleaseProfileKeys } from "../../src/cargo/profile.ts";
import { nativeWasmOptArgs, parseEnableFlags, parseWasmOptVersion } from "../../src/wasm-opt/native.ts";
import { cacheKey } from "../../src/cache/build-cache.ts";
import { nativeCouldNotReadModule } from "../../src/wasm-opt/optimize.ts";

describe("profileOverrides", () => {
  test("size: small opt-level, LTO, one codegen unit, abort, stripped debug info", () => {
    expect(profileOverrides("size", new Set())).toEqual({
      "opt-level": "z",
      lto: true,
      "codegen-units": 1,
      panic: "abort",
      strip: "debuginfo",
    });
  });
  test("speed differs only in opt-level; none sets nothing", () => {
    expect(profileOverrides("speed", new Set())).toMatchObject({ "opt-level": 3, lto: true });
    expect(profileOverrides("none", new Set())).toEqual({});
  });
  test("keys the user set are left alone; asking for debug info keeps it", () => {
    expect(Object.keys(profileOverrides("size", new Set(["opt-level", "lto", "debug"])))).toEqual(["codegen-units", "panic"]);
  });
  test("become --config arguments with TOML values", () => {
    expect(profileConfigArgs({ "opt-level": "z", lto: true, "codegen-units": 1 })).toEqual([
      "--config", 'profile.release.opt-level="z"',
      "--config", "profile.release.lto=true",
      "--config", "profile.release.codegen-units=1",
    ]);
  });
});

describe("userReleaseProfileKeys", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "profile-keys-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const crateDir = path.join(dir, "ws", "crate");
  fs.mkdirSync(path.join(crateDir), { recursive: true });
  fs.mkdirSync(path.join(dir, "ws", ".cargo"), { recursive: true });
  fs.writeFileSync(path.join(dir, "ws", "Cargo.toml"), '[workspace]\n[profile.release]\nopt-level = 3\n[profile.dev]\nlto = true\n');
  fs.writeFileSync(path.join(dir, "ws", ".cargo", "config.toml"), "[profile.release]\ncodegen-units = 16\n");
  const cargoHome = path.join(dir, "cargo-home");
  fs.mkdirSync(cargoHome);
  fs.writeFileSync(path.join(cargoHome, "config.toml"), '[profile.release]\nstrip = "none"\n');

  test("reads the workspace manifest, config files up the tree and in CARGO_HOME, env and --config", async () => {
    const keys = await userReleaseProfileKeys({
      workspaceRoot: path.join(dir, "ws"),
      cwd: crateDir,
      cargoArgs: ["--config", "profile.release.panic='unwind'"],
      env: { CARGO_HOME: cargoHome, CARGO_PROFILE_RELEASE_DEBUG: "true" },
    });
    expect([...keys].sort()).toEqual(["codegen-units", "debug", "opt-level", "panic", "strip"]);
  });
  test("the dev profile and other folders do not count", async () => {
    const keys = await userReleaseProfileKeys({
      workspaceRoot: path.join(dir, "ws", "crate"),
      cwd: dir,
      cargoArgs: [],
      env: { CARGO_HOME: path.join(dir, "nowhere") },
    });
    expect([...keys]).toEqual([]);
  });
});

describe("native wasm-opt", () => {
  test.each([
    // Binaryen 116 on wasm-bindgen's `table.fill` (wasm-bindgen#4250, trunk#904).
    ["[parse exception: invalid code after misc prefix: 17 (at 0:4321)]\nFatal: error in parsing input", true],
    ["Fatal: error parsing wasm (try --debug for more info)", true],
    // Failures binaryen.js shares or would not fix: validation, a bad argument, a crash in a pass.
    ["[wasm-validator error in function 3] unexpected false: SIMD operations require SIMD\nFatal: error validating input", false],
    ["Unknown option '--no-such-pass'", false],
    ["wasm-opt: src/passes/Inlining.cpp:123: Assertion `false' failed.", false],
  ])("nativeCouldNotReadModule(%j) is %s", (output, expected) => {
    expect(nativeCouldNotReadModule(output)).toBe(expected);
  });
  test.each([
    ["wasm-opt version 108", 108],
    ["wasm-opt version 123 (version_123)", 123],
    ["wasm-opt 1.0", undefined],
  ])("parseWasmOptVersion(%j)", (output, version) => {
    expect(parseWasmOptVersion(output)).toBe(version);
  });
  test("passes the level, the features this version has flags for, then the user's args", () => {
    const enableFlags = parseEnableFlags("  --enable-sign-ext   Enable sign ext\n  --enable-bulk-memory  Enable bulk\n");
    expect(
      nativeWasmOptArgs({
        input: "in.wasm",
        output: "out.wasm",
        level: "z",
        features: ["SignExt", "BulkMemory", "BulkMemoryOpt"],
        enableFlags,
        passes: ["strip-producers"],
        extraArgs: ["--enable-simd"],
      }),
    ).toEqual(["in.wasm", "-Oz", "--enable-sign-ext", "--enable-bulk-memory", "--strip-producers", "--enable-simd", "-o", "out.wasm"]);
  });
});

test("cacheKey changes with any part, including the bytes", () => {
  const base = cacheKey("wasm-opt", "id", new Uint8Array([1, 2, 3]));
  expect(cacheKey("wasm-opt", "id", new Uint8Array([1, 2, 3]))).toBe(base);
  expect(cacheKey("wasm-opt", "id", new Uint8Array([1, 2, 4]))).not.toBe(base);
  expect(cacheKey("wasm-opt", "id2", new Uint8Array([1, 2, 3]))).not.toBe(base);
  expect(base).toMatch(/^[0-9a-f]{32}$/);
});
