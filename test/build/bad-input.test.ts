import fs from "node:fs";
import path from "node:path";
import { build, type Rollup } from "vite";
import { describe, expect, test } from "vitest";
import crate, { type Options } from "../../src/index.ts";
import { findWasmBindgenCli } from "../../src/wasm-bindgen/cli.ts";
import { createLog } from "../../src/utils/log.ts";
import { withEnv } from "../helpers/env.ts";
import { editFile, FIXTURES, SHARED_TARGET, standaloneCrate, TMP } from "../helpers/fixtures.ts";
import { tempOutDir } from "../helpers/servers.ts";
import { captureLogger } from "../helpers/capture-logger.ts";

/** A one-file app importing `specifier`, built with `vite build`; returns the error. */
async function buildError(specifier: string, options: Options = {}): Promise<Rollup.RollupError> {
  const root = tempOutDir("bad-input-app");
  fs.writeFileSync(path.join(root, "index.html"), '<script type="module" src="./main.js"></script>');
  fs.writeFileSync(path.join(root, "main.js"), `import * as crate from ${JSON.stringify(specifier)};\nconsole.log(crate);\n`);
  try {
    await build({ root, configFile: false, logLevel: "silent", plugins: [crate(options)], build: { outDir: "dist" } });
  } catch (error) {
    return error as Rollup.RollupError;
  }
  throw new Error("the build succeeded but should have failed");
}

describe("bad input gets a clear error naming the file and the fix", () => {
  test("crate not found", async () => {
    const error = await buildError("./missing/Cargo.toml");
    expect(error.message).toMatch(/Cannot find the crate "\.\/missing\/Cargo\.toml" imported from .*main\.js/);
    expect(error.message).toMatch(/missing\/Cargo\.toml does not exist\. Check the path/);
  });

  test("Cargo.toml that does not parse", async () => {
    const dir = standaloneCrate("basic", "unparsable");
    fs.writeFileSync(path.join(dir, "Cargo.toml"), '[package]\nname = "unparsable"\nversion = = "0.1.0"\n');
    const error = await buildError(path.join(dir, "Cargo.toml"));
    expect(error.message).toContain(`cargo could not read ${path.join(dir, "Cargo.toml")}`);
    expect(error.message).toContain("Fix the manifest");
    // Cargo's own rendering, pointing at the offending line.
    expect(error.message).toContain('3 | version = = "0.1.0"');
  });

  test("missing wasm32 target", async () => {
    const dir = standaloneCrate("basic", "no-target");
    // A sysroot without the wasm32 std is exactly what a toolchain without the target has.
    const emptySysroot = tempOutDir("empty-sysroot");
    const error = await withEnv(
      {
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS: `--sysroot=${emptySysroot}`,
        CARGO_TARGET_DIR: path.join(TMP, "no-target-target"),
      },
      () => buildError(path.join(dir, "Cargo.toml")),
    );
    expect(error.message).toContain("The wasm32-unknown-unknown target is not installed");
    expect(error.message).toContain("rustup target add wasm32-unknown-unknown");
    expect(error.message).toContain(path.join(dir, "Cargo.toml"));
  });

  test("no cargo on PATH", async () => {
    const manifest = path.join(FIXTURES, "basic/Cargo.toml");
    const error = await withEnv({ PATH: path.join(TMP, "empty-bin") }, () => buildError(manifest));
    expect(error.message).toContain(`cargo was not found on PATH, so ${manifest} cannot be built`);
    expect(error.message).toContain("https://rustup.rs");
  });

  test("no wasm-bindgen dependency and no extern \"C\" function: a raw crate with nothing to call, said so", async () => {
    const manifest = path.join(FIXTURES, "no-bindgen/Cargo.toml");
    const root = tempOutDir("bad-input-app");
    fs.writeFileSync(path.join(root, "index.html"), '<script type="module" src="./main.js"></script>');
    fs.writeFileSync(path.join(root, "main.js"), `import * as crate from ${JSON.stringify(manifest)};\nconsole.log(crate);\n`);
    const logger = captureLogger();
    await build({ root, configFile: false, logLevel: "warn", customLogger: logger, plugins: [crate()], build: { outDir: "dist" } });
    const output = logger.lines.join("\n");
    expect(output).toContain(`${manifest} does not depend on wasm-bindgen and its wasm exports no function`);
    expect(output).toContain("cargo add wasm-bindgen");
    expect(output).toContain('#[no_mangle] pub extern "C" fn');
  });

  test("Rust compile error: rustc's rendered diagnostics, located at the first error", async () => {
    const dir = standaloneCrate("basic", "broken");
    const lib = path.join(dir, "src/lib.rs");
    editFile(lib, "    a + b\n", '    let wrong: i32 = "text";\n    a + b + wrong\n');
    const error = await withEnv(SHARED_TARGET, () => buildError(path.join(dir, "Cargo.toml")));
    expect(error.message).toContain("Rust compilation of broken failed with an error");
    expect(error.message).toContain("error[E0308]: mismatched types");
    expect(error.message).toContain("--> src/lib.rs:10:22");
    expect(error.message).toContain('let wrong: i32 = "text";');
  });

  test("wasm-bindgen CLI missing and install disabled", async () => {
    const cacheDir = tempOutDir("empty-cli-cache");
    await expect(
      findWasmBindgenCli("0.2.91", { path: undefined, install: false, download: false, cacheDir }, createLog(), "/app/crate/Cargo.toml"),
    ).rejects.toThrow(
      "/app/crate/Cargo.toml needs the wasm-bindgen CLI 0.2.91, the version of wasm-bindgen in its Cargo.lock",
    );
  });
});
