import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseAst } from "rollup/parseAst";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { cargoBuild, type CargoBuildOptions } from "../../src/cargo/build.ts";
import { loadCrateInfo, type CrateInfo } from "../../src/cargo/metadata.ts";
import {
  PANIC_IMPORT_MODULE,
  panicFallbackModuleCode,
  withoutPanicHookDeclaration,
  withPanicReporter,
} from "../../src/codegen/glue-panic-reporter.ts";
import { hasForeignStdImports, mentionsPanicHook, panicHookObject, withPanicHookArgs } from "../../src/panic-hook/hook-object.ts";
import { RELEASE_EXPORT, withReleaseExport } from "../../src/codegen/glue-release.ts";
import { INSTALL_HOOK_EXPORT } from "../../src/panic-hook/hook-source.ts";
import { userCacheDir } from "../../src/utils/cache-dir.ts";
import { createLog } from "../../src/utils/log.ts";
import { readModuleInterface } from "../../src/wasm-binary/module-interface.ts";
import { findWasmBindgenCli } from "../../src/wasm-bindgen/cli.ts";
import { generateGlue, type Glue } from "../../src/wasm-bindgen/generate.ts";
import { FIXTURES, TMP } from "../helpers/fixtures.ts";
import { THREADS_TOOLCHAIN } from "../helpers/toolchain.ts";

const MANIFEST = path.join(FIXTURES, "panics/Cargo.toml");
const SOURCE = path.join(FIXTURES, "panics/src/lib.rs");
/** The line of the fixture's `panic!`, as its Location reports it. */
const PANIC_LINE = fs.readFileSync(SOURCE, "utf8").split("\n").findIndex((line) => line.includes("panic!(")) + 1;
const DEV: CargoBuildOptions = { release: false, features: [], noDefaultFeatures: false, cargoArgs: [] };

let info: CrateInfo;
let scratch: string;
let cli: string;
let objectPath: string;
/** Compile time of the hook object on a cold cache, for the record. */
let hookCompileMs: number;
let hooked: Glue;
let plain: Glue;

/** cargo (dev profile) then wasm-bindgen as a dev build runs it; the wasm is copied out of the target dir. */
async function build(cargoArgs: string[], name: string): Promise<Glue> {
  const cargo = await cargoBuild(info, { ...DEV, cargoArgs });
  return generateGlue({
    cli,
    wasmPath: cargo.wasmPath,
    outDir: path.join(scratch, name),
    shape: { outName: info.libName, keepDebug: true },
    manifestPath: MANIFEST,
  });
}

/** Writes a module into the scratch folder; returns its URL. */
let written = 0;
function writeModule(js: string): string {
  const file = path.join(scratch, `module-${written++}.mjs`);
  fs.writeFileSync(file, js);
  return pathToFileURL(file).href;
}

/** Imports glue text as a module (from a file: its stack frames are real). */
async function importGlue(js: string): Promise<Record<string, (...args: unknown[]) => unknown>> {
  return import(/* @vite-ignore */ writeModule(js));
}


beforeAll(async () => {
  fs.mkdirSync(TMP, { recursive: true });
  scratch = fs.mkdtempSync(path.join(TMP, "panic-reporter-"));
  info = await loadCrateInfo(MANIFEST);
  cli = await findWasmBindgenCli(
    info.wasmBindgenVersion!,
    { path: undefined, install: true, download: false, cacheDir: path.join(userCacheDir(), "wasm-bindgen-cli") },
    createLog(),
    MANIFEST,
  );
  const started = performance.now();
  objectPath = await panicHookObject(info.crateDir, path.join(scratch, "hook-cache"));
  hookCompileMs = performance.now() - started;
  hooked = await build(withPanicHookArgs([], objectPath), "hooked");
  plain = await build([], "plain");
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

describe("the hook object", () => {
  test("is compiled once per toolchain and source, then reused", async () => {
    console.info(`panic hook compiled in ${hookCompileMs.toFixed(0)} ms (${fs.statSync(objectPath).size} bytes)`);
    const mtime = fs.statSync(objectPath).mtimeMs;
    const started = performance.now();
    expect(await panicHookObject(info.crateDir, path.dirname(objectPath))).toBe(objectPath);
    console.info(`cached lookup in ${(performance.now() - started).toFixed(0)} ms`);
    expect(fs.statSync(objectPath).mtimeMs).toBe(mtime);
    // Nothing left behind by the temporary folder.
    expect(fs.readdirSync(path.dirname(objectPath))).toEqual([path.basename(objectPath)]);
  });

  test("links into the crate alone: one import, one export, no std symbols left undefined", () => {
    const hookedInterface = readModuleInterface(hooked.wasm);
    expect(hookedInterface.imports.filter((entry) => entry.module === PANIC_IMPORT_MODULE).map((entry) => entry.name)).toEqual(["report_panic"]);
    expect(hookedInterface.exports.map((entry) => entry.name)).toContain(INSTALL_HOOK_EXPORT);
    expect(hasForeignStdImports(hooked.wasm)).toBe(false);
    expect(readModuleInterface(plain.wasm).imports.some((entry) => entry.module === PANIC_IMPORT_MODULE)).toBe(false);
  });

  test.each([
    ["no arguments", [], ["--", "-C"]],
    ["cargo arguments only", ["--locked"], ["--locked", "--", "-C"]],
    ["the user's own rustc arguments", ["--", "-C", "debuginfo=1"], ["--", "-C", "debuginfo=1", "-C"]],
  ])("goes after cargo's `--`: %s", (_, cargoArgs, start) => {
    const args = withPanicHookArgs(cargoArgs, "/cache/hook.o");
    expect(args.slice(0, start.length)).toEqual(start);
    expect(args.filter((arg) => arg === "--")).toHaveLength(1);
    expect(args.slice(-4)).toEqual(["-C", "link-arg=/cache/hook.o", "-C", `link-arg=--export=${INSTALL_HOOK_EXPORT}`]);
  });

  test("a linker error about the object is recognized", () => {
    const error =
      "rust-lld: error: --shared-memory is disallowed by vite-plugin-crate-panic-hook-0123456789abcdef.o because it was not compiled with 'atomics' or 'bulk-memory' features.";
    expect(mentionsPanicHook(error)).toBe(true);
    expect(mentionsPanicHook("error[E0308]: mismatched types")).toBe(false);
  });
});

describe("hasForeignStdImports", () => {
  // A module that imports one function `module`.`name` of type () -> ().
  const importing = (module: string, name: string): Uint8Array => {
    const text = (value: string) => [value.length, ...new TextEncoder().encode(value)];
    const imports = [1, ...text(module), ...text(name), 0x00, 0];
    return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 2, imports.length, ...imports]);
  };

  test.each([
    ["env", "_ZN3std9panicking8set_hook17h0123456789abcdefE", true],
    ["env", "_RNvNtCs1234_3std9panicking8set_hook", true],
    ["env", "__rust_alloc", true],
    ["env", "js_log", false],
    ["wbg", "_ZN3foo3barE", false],
  ])("%s.%s: %s", (module, name, expected) => {
    expect(hasForeignStdImports(importing(module, name))).toBe(expected);
  });

  test("a module it cannot read counts as fine", () => {
    expect(hasForeignStdImports(new Uint8Array([1, 2, 3]))).toBe(false);
  });

  // The real failure: an object from another toolchain links "fine" and leaves its std calls undefined.
  // Another toolchain than the fixtures': the threads tests' nightly, which test setup installs with wasm32.
  test("an object compiled by another toolchain's rustc leaves std imports", async () => {
    const foreignObject = await panicHookObject(info.crateDir, path.join(scratch, "foreign-cache"), { toolchain: THREADS_TOOLCHAIN });
    expect(foreignObject).not.toBe(objectPath);
    const cargo = await cargoBuild(info, { ...DEV, cargoArgs: withPanicHookArgs([], foreignObject) });
    expect(hasForeignStdImports(new Uint8Array(fs.readFileSync(cargo.wasmPath)))).toBe(true);
  });
});

describe("withPanicReporter", () => {
  const crate = { name: "panics", workspaceRoot: FIXTURES };

  test("leaves glue without the hook's import as it is", () => {
    expect(withPanicReporter(plain.js, crate)).toBe(plain.js);
  });

  test("replaces the import and installs the hook before the crate's start", () => {
    expect(hooked.js).toMatch(new RegExp(`^import \\* as import1 from "${PANIC_IMPORT_MODULE}"$`, "m"));
    const patched = withPanicReporter(hooked.js, crate);
    expect(patched).not.toContain(`from "${PANIC_IMPORT_MODULE}"`);
    const install = patched.indexOf(`wasm.${INSTALL_HOOK_EXPORT}?.();`);
    expect(install).toBeGreaterThan(-1);
    expect(install).toBeLessThan(patched.indexOf("wasm.__wbindgen_start();"));
    expect(() => parseAst(patched)).not.toThrow();
  });

  test("leaves glue it does not recognize as it is", () => {
    // A threads build: the start takes the worker's stack size, and the hook must not run before it.
    const threaded = hooked.js.replace("wasm.__wbindgen_start();", "wasm.__wbindgen_start(thread_stack_size);");
    expect(withPanicReporter(threaded, crate)).toBe(threaded);
  });

  test("installs the hook right after instantiation when there is no start function", () => {
    const noStart = hooked.js.replace(/^\s*wasm\.__wbindgen_start\(\);\n/m, "");
    const patched = withPanicReporter(noStart, crate);
    expect(patched).toMatch(new RegExp(`wasm = instance\\.exports;\\n\\s*wasm\\.${INSTALL_HOOK_EXPORT}\\?\\.\\(\\);\\n`));
  });

  test("drops the install function from the declarations, which match a build without the hook", () => {
    expect(hooked.dts).toContain(INSTALL_HOOK_EXPORT);
    expect(withoutPanicHookDeclaration(hooked.dts)).toBe(plain.dts);
  });
});

describe("a panic in a dev build", () => {
  const crate = () => ({ name: "panics", workspaceRoot: info.workspaceRoot });

  test("is logged with its message, location and the Rust functions that led to it; the call still fails", async () => {
    const glue = await importGlue(withPanicReporter(hooked.js, crate()));
    glue.initSync!({ module: hooked.wasm });
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(glue.ok!()).toBe(2);
    expect(errors).not.toHaveBeenCalled();

    expect(() => glue.boom!(42)).toThrow(WebAssembly.RuntimeError);
    expect(errors).toHaveBeenCalledTimes(1);
    const logged = String(errors.mock.calls[0]![0]);
    console.info(logged);
    expect(logged).toContain(`panics panicked at panics/src/lib.rs:${PANIC_LINE}:`);
    expect(logged).toContain("limit exceeded: 42 > 10");
    // The stack starts at the function that panicked: std's machinery and the reporter are cut.
    const frames = logged.split("\n").filter((line) => /^\s+at /.test(line));
    expect(frames[0]).toMatch(/panics::check_limit \(wasm:/); // without its symbol hash
    expect(frames.some((frame) => /panics::boom/.test(frame))).toBe(true);
    expect(logged).not.toMatch(/::panicking::|rust_begin_unwind|reportRustPanic/);

    // std is not left inside its hook: the next panic is reported too.
    expect(() => glue.boom!(11)).toThrow(WebAssembly.RuntimeError);
    expect(errors).toHaveBeenCalledTimes(2);
    expect(String(errors.mock.calls[1]![0])).toContain("limit exceeded: 11 > 10");
  });

  test("works with the dev server's release export added after it", async () => {
    const glue = await importGlue(withReleaseExport(withPanicReporter(hooked.js, crate()), "panics"));
    glue.initSync!({ module: hooked.wasm });
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(() => glue.boom!(16)).toThrow(WebAssembly.RuntimeError);
    expect(String(errors.mock.calls[0]![0])).toContain("limit exceeded: 16 > 10");
    glue[RELEASE_EXPORT]!();
    expect(() => glue.ok!()).toThrow(/earlier build of panics/);
  });

  test("opens Vite's error overlay in a page, at the panic's file", async () => {
    const shown: Array<Record<string, unknown>> = [];
    class FakeOverlay {
      constructor(error: Record<string, unknown>) {
        shown.push(error);
      }
    }
    const body = { appendChild: vi.fn() };
    vi.stubGlobal("document", { body, querySelector: () => (body.appendChild.mock.calls.length > 0 ? {} : null) });
    vi.stubGlobal("customElements", { get: (name: string) => (name === "vite-error-overlay" ? FakeOverlay : undefined) });
    try {
      const glue = await importGlue(withPanicReporter(hooked.js, crate()));
      glue.initSync!({ module: hooked.wasm });
      vi.spyOn(console, "error").mockImplementation(() => {});
      expect(() => glue.boom!(12)).toThrow(WebAssembly.RuntimeError);
      expect(() => glue.boom!(13)).toThrow(WebAssembly.RuntimeError);
    } finally {
      vi.unstubAllGlobals();
    }
    // The first panic stays on screen.
    expect(body.appendChild).toHaveBeenCalledTimes(1);
    expect(shown).toHaveLength(1);
    const [error] = shown;
    expect(error).toMatchObject({
      plugin: "vite-plugin-crate",
      message: expect.stringContaining("limit exceeded: 12 > 10"),
      loc: { file: `${info.workspaceRoot}/panics/src/lib.rs`, line: PANIC_LINE, column: expect.any(Number) },
    });
    expect(path.resolve(String((error!.loc as { file: string }).file))).toBe(SOURCE);
    expect(error!.stack).toMatch(/panics::check_limit/);
  });

  test("leaves the overlay alone when told to", async () => {
    const get = vi.fn();
    vi.stubGlobal("document", { body: { appendChild: vi.fn() }, querySelector: () => null });
    vi.stubGlobal("customElements", { get });
    try {
      const glue = await importGlue(withPanicReporter(hooked.js, crate(), { overlay: false }));
      glue.initSync!({ module: hooked.wasm });
      vi.spyOn(console, "error").mockImplementation(() => {});
      expect(() => glue.boom!(14)).toThrow(WebAssembly.RuntimeError);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(get).not.toHaveBeenCalled();
  });

  test("unpatched glue still instantiates with the fallback module", async () => {
    const fallback = writeModule(panicFallbackModuleCode());
    const glue = await importGlue(hooked.js.replace(`"${PANIC_IMPORT_MODULE}"`, JSON.stringify(fallback)));
    glue.initSync!({ module: hooked.wasm });
    expect(glue.ok!()).toBe(2);
    expect(() => glue.boom!(15)).toThrow(WebAssembly.RuntimeError);
  });
});
