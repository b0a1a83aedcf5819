import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { buildError, cargoBuildArgs, compilerWarning } from "../../src/cargo/build.ts";
import { cargoErrorText } from "../../src/cargo/command.ts";
import { parseDepInfo } from "../../src/cargo/dep-info.ts";
import { isMissingTargetError, parseCargoMessages } from "../../src/cargo/messages.ts";
import { crateId, dependencyError, manifestError, readCrateInfo, type CargoMetadata, type CrateInfo } from "../../src/cargo/metadata.ts";

const recorded = (name: string) => fs.readFileSync(path.join(import.meta.dirname, "recorded", name), "utf8");

// Recorded from `cargo rustc --message-format=json` on a crate at /tmp/rec with two errors.
const brokenCrate: CrateInfo = {
  manifestPath: "/tmp/rec/Cargo.toml",
  crateDir: "/tmp/rec",
  packageName: "playground-crate",
  libName: "playground_crate",
  crateId: "playground_crate-00000000",
  targetDir: "/tmp/rec/target",
  workspaceRoot: "/tmp/rec",
  wasmBindgenVersion: "0.2.130",
  threads: false,
  packageCount: 12,
};

describe("parseDepInfo", () => {
  test.each([
    ["one rule", "/t/a.wasm: /src/lib.rs /src/util.rs\n", ["/src/lib.rs", "/src/util.rs"]],
    ["escaped spaces", "/t/a.wasm: /my\\ crate/src/lib.rs\n", ["/my crate/src/lib.rs"]],
    ["continuation lines", "/t/a.wasm: /a.rs \\\n  /b.rs\n", ["/a.rs", "/b.rs"]],
    ["several rules, deduplicated", "/t/a.wasm: /a.rs\n/t/a.d: /a.rs /b.txt\n", ["/a.rs", "/b.txt"]],
    ["windows drive letters", "C:\\t\\a.wasm: C:\\src\\lib.rs\n", ["C:\\src\\lib.rs"]],
    ["empty prerequisites", "/t/a.wasm:\n", []],
  ])("%s", (_name, text, files) => {
    expect(parseDepInfo(text)).toEqual(files);
  });
});

describe("cargo's JSON messages", () => {
  const messages = parseCargoMessages(recorded("compile-errors.jsonl"), brokenCrate.manifestPath);

  test("collects the crate's diagnostics and the build result", () => {
    expect(messages.success).toBe(false);
    expect(messages.wasmFiles).toEqual([]);
    expect(messages.diagnostics.filter((d) => d.level === "error").map((d) => d.code?.code)).toEqual(["E0425", "E0308"]);
  });

  test("a compile error is located at the first error's primary span: 1-based line, 0-based column", () => {
    const error = buildError(brokenCrate, messages.diagnostics, "");
    expect(error.code).toBe("E0425");
    expect(error.loc).toEqual({ file: "/tmp/rec/src/lib.rs", line: 7, column: 21 });
    expect(error.file).toBe("/tmp/rec/src/lib.rs");
    expect(error.message).toContain("failed with 2 errors");
    expect(error.message).toContain("error[E0425]: cannot find value `nam` in this scope");
    expect(error.message).toContain("error[E0308]: mismatched types");
  });

  test("a missing wasm32 std is recognized, even when a dependency hits it first", () => {
    const missing = parseCargoMessages(recorded("missing-target.jsonl"), brokenCrate.manifestPath);
    expect(isMissingTargetError(missing.diagnostics, "wasm32-unknown-unknown")).toBe(true);
    expect(isMissingTargetError(messages.diagnostics, "wasm32-unknown-unknown")).toBe(false);
    const error = buildError(brokenCrate, missing.diagnostics, "");
    expect(error.code).toBe("MISSING_TARGET");
    expect(error.message).toContain("rustup target add wasm32-unknown-unknown");
  });

  test("cargo's own errors come from stderr without progress lines", () => {
    const stderr = "   Compiling x v0.1.0\nerror: failed to run custom build command for `x v0.1.0`\n";
    const error = buildError(brokenCrate, [], stderr);
    expect(error.code).toBe("CARGO_FAILED");
    expect(error.message).toContain("error: failed to run custom build command for `x v0.1.0`");
    expect(error.message).not.toContain("Compiling");
    expect(cargoErrorText("   Compiling a v1\nboom\n")).toBe("boom");
  });

  test("only the crate's warnings are kept; dependencies' are noise", () => {
    const line = (manifest: string, level: string) =>
      JSON.stringify({
        reason: "compiler-message",
        manifest_path: manifest,
        message: { level, message: "m", code: null, spans: [], rendered: `${level} in ${manifest}` },
      });
    const parsed = parseCargoMessages(
      [line("/dep/Cargo.toml", "warning"), line("/tmp/rec/Cargo.toml", "warning"), "not json", "{broken"].join("\n"),
      "/tmp/rec/Cargo.toml",
    );
    expect(parsed.diagnostics.map((d) => d.rendered)).toEqual(["warning in /tmp/rec/Cargo.toml"]);
  });
});

describe("dependencies cargo cannot get", () => {
  test("not in the registry: check the name and version", () => {
    const stderr = "    Updating crates.io index\nerror: failed to select a version for `nope`.\n    ... required by package `x`\n";
    const error = buildError(brokenCrate, [], stderr);
    expect(error.code).toBe("CARGO_DEPENDENCY");
    expect(error.message).toContain("cargo could not get the dependencies of /tmp/rec/Cargo.toml. Check the dependency's name and version");
    expect(error.message).toContain("error: failed to select a version for `nope`.");
    expect(error.message).not.toContain("Updating");
  });

  test("offline and not downloaded: run cargo fetch once online", () => {
    const stderr =
      "error: failed to download `oorandom v11.1.3`\n\nCaused by:\n  attempting to make an HTTP request, but --offline was specified\n";
    const error = dependencyError("/tmp/rec/Cargo.toml", stderr)!;
    expect(error.code).toBe("CARGO_OFFLINE");
    expect(error.message).toContain("cargo fetch --manifest-path /tmp/rec/Cargo.toml");
  });

  test("a missing path dependency is a manifest problem, not a registry one", () => {
    const stderr = "error: failed to get `helper` as a dependency of package `x v0.1.0`\n\nCaused by:\n  failed to load source for dependency `helper`\n";
    expect(dependencyError("/tmp/rec/Cargo.toml", stderr)).toBeUndefined();
  });
});

describe("rustc warnings", () => {
  test("become Rollup logs: rendering without the leading 'warning: ', the lint as code, an absolute file, a 0-based column", () => {
    const warning = compilerWarning(brokenCrate, {
      level: "warning",
      message: "unused variable: `x`",
      code: { code: "unused_variables" },
      spans: [{ file_name: "src/lib.rs", line_start: 3, column_start: 9, is_primary: true }],
      rendered: "warning: unused variable: `x`\n --> src/lib.rs:3:9\n  |\n3 |     let x = 1;\n  |         ^\n\n",
    });
    expect(warning).toEqual({
      message: "unused variable: `x`\n --> src/lib.rs:3:9\n  |\n3 |     let x = 1;\n  |         ^",
      code: "unused_variables",
      id: "/tmp/rec/src/lib.rs",
      loc: { file: "/tmp/rec/src/lib.rs", line: 3, column: 8 },
    });
  });

  test("a warning without a lint or a span is about the manifest", () => {
    const warning = compilerWarning(brokenCrate, { level: "warning", message: "m", code: null, spans: [], rendered: "warning: m" });
    expect(warning).toEqual({ message: "m", code: "RUSTC_WARNING", id: "/tmp/rec/Cargo.toml", loc: undefined });
  });
});

describe("manifest errors", () => {
  test("current cargo: `--> Cargo.toml:3:11`", () => {
    const stderr = 'error: extra `=`, expected nothing\n --> Cargo.toml:3:11\n  |\n3 | version = = "0.1.0"\n  |           ^\n';
    const error = manifestError("/app/crate/Cargo.toml", stderr);
    expect(error.loc).toEqual({ file: "/app/crate/Cargo.toml", line: 3, column: 10 });
    expect(error.message).toContain('3 | version = = "0.1.0"');
  });

  test("older cargo: 'TOML parse error at line 2, column 5' in a named manifest", () => {
    const stderr = "error: failed to parse manifest at `/ws/Cargo.toml`\n\nCaused by:\n  TOML parse error at line 2, column 5\n";
    const error = manifestError("/ws/member/Cargo.toml", stderr);
    expect(error.file).toBe("/ws/Cargo.toml");
    expect(error.loc).toEqual({ file: "/ws/Cargo.toml", line: 2, column: 4 });
  });
});

describe("readCrateInfo", () => {
  const metadata = JSON.parse(recorded("fixtures-metadata.json")) as CargoMetadata;

  test("a workspace member: names, target dir and wasm-bindgen version come from metadata", () => {
    expect(readCrateInfo(metadata, "/repo/fixtures/snippets/Cargo.toml")).toEqual({
      manifestPath: "/repo/fixtures/snippets/Cargo.toml",
      crateDir: "/repo/fixtures/snippets",
      packageName: "snippets",
      libName: "snippets",
      crateId: crateId("snippets", "/repo/fixtures/snippets/Cargo.toml"),
      targetDir: "/repo/fixtures/target",
      workspaceRoot: "/repo/fixtures",
      wasmBindgenVersion: "0.2.130",
      threads: false,
      // snippets, math, and wasm-bindgen with its 11 macro, proc-macro and support crates
      packageCount: 13,
    });
  });

  test("same-named crates get different ids: the manifest path is the identity", () => {
    const a = crateId("core", "/work/app-one/core/Cargo.toml");
    const b = crateId("core", "/work/app-two/core/Cargo.toml");
    expect(a).toMatch(/^core-[0-9a-f]{8}$/);
    expect(b).toMatch(/^core-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(crateId("core", "/work/app-one/core/Cargo.toml")).toBe(a);
  });

  test("no wasm-bindgen dependency: a raw crate", () => {
    expect(readCrateInfo(metadata, "/repo/fixtures/no-bindgen/Cargo.toml").wasmBindgenVersion).toBeUndefined();
  });

  test("a workspace root manifest is not a crate", () => {
    expect(() => readCrateInfo(metadata, "/repo/fixtures/Cargo.toml")).toThrow("is a workspace manifest with no [package]");
  });
});

describe("cargoBuildArgs", () => {
  test("builds the lib as a cdylib for wasm32 with JSON messages", () => {
    const args = cargoBuildArgs(brokenCrate, {
      release: true,
      features: ["a", "b"],
      noDefaultFeatures: true,
      cargoArgs: ["--locked"],
    });
    expect(args).toEqual([
      "rustc",
      "--lib",
      "--crate-type",
      "cdylib",
      "--target",
      "wasm32-unknown-unknown",
      "--message-format=json",
      "--manifest-path",
      "/tmp/rec/Cargo.toml",
      "--release",
      "--no-default-features",
      "--features",
      "a,b",
      "--locked",
    ]);
  });
});
