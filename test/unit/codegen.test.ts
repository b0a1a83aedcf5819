import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { crateModuleCode } from "../../src/codegen/crate-module.ts";
import { crateQuery, initModuleCode, isOtherPluginsQuery, urlModuleCode } from "../../src/codegen/query-modules.ts";
import { exportNames } from "../../src/codegen/export-names.ts";
import { RELEASE_EXPORT, withReleaseExport } from "../../src/codegen/glue-release.ts";
import { crateModuleDeclarations } from "../../src/wasm-bindgen/dts.ts";
import { parseCliVersion, cachedCliPath } from "../../src/wasm-bindgen/cli-version.ts";
import { wasmBindgenArgs } from "../../src/wasm-bindgen/generate.ts";

describe("crateModuleCode", () => {
  const glue = "\0vite-plugin-crate:/t/out/my_crate.js";

  test("re-exports the crate's exports and wasm-bindgen's init functions, and instantiates before importers run", () => {
    const code = crateModuleCode(glue, ["greet", "Counter"], { kind: "url", url: "/@vite-plugin-crate/my_crate-abc.wasm" });
    expect(code).toBe(
      [
        `import __wbg_init from "\\u0000vite-plugin-crate:/t/out/my_crate.js";`,
        `export { Counter, greet, default, initSync } from "\\u0000vite-plugin-crate:/t/out/my_crate.js";`,
        `await __wbg_init({ module_or_path: "/@vite-plugin-crate/my_crate-abc.wasm" });`,
        "",
      ].join("\n"),
    );
  });

  test("build assets go through Rollup's file URL so `base` applies", () => {
    expect(crateModuleCode(glue, [], { kind: "asset", referenceId: "ref123" })).toContain(
      "await __wbg_init({ module_or_path: import.meta.ROLLUP_FILE_URL_ref123 });",
    );
  });

  test("inline wasm decodes base64 into bytes; Node bundles with Buffer", () => {
    const code = crateModuleCode(glue, [], { kind: "inline", base64: "AGFzbQ==" });
    expect(code).toContain('Uint8Array.from(atob("AGFzbQ=="), (c) => c.charCodeAt(0))');
    const node = crateModuleCode(glue, [], { kind: "inline", base64: "AGFzbQ==", node: true });
    expect(node).toContain('await __wbg_init({ module_or_path: Buffer.from("AGFzbQ==", "base64") });');
    expect(node).not.toContain("node:fs");
  });

  test.each([
    ["a file on disk (dev server, Vitest)", { kind: "file", path: "/t/target/x.wasm" }, 'await __readFile("/t/target/x.wasm")'],
    [
      "a file next to the bundle (server builds)",
      { kind: "bundled-file", placeholder: "__VITE_PLUGIN_CRATE_WASM_x-1__" },
      'await __readFile(new URL("__VITE_PLUGIN_CRATE_WASM_x-1__", import.meta.url))',
    ],
  ] as const)("Node reads the wasm from %s with node:fs, never fetch", (_name, wasm, read) => {
    const code = crateModuleCode(glue, ["greet"], wasm);
    expect(code.split("\n")[0]).toBe('import { readFile as __readFile } from "node:fs/promises";');
    expect(code).toContain(`await __wbg_init({ module_or_path: ${read} });`);
  });

  test("browser sources import nothing from Node", () => {
    expect(crateModuleCode(glue, ["greet"], { kind: "url", url: "/w.wasm" })).not.toContain("node:");
  });

  test("the hot variant exports live bindings that its accept handler reassigns", () => {
    const code = crateModuleCode(glue, ["greet", "Counter"], { kind: "url", url: "/w.wasm" }, { crate: "my-crate" });
    expect(code).toContain("let Counter = __glue.Counter, greet = __glue.greet, __wbg_init = __glue.default, __wbg_initSync = __glue.initSync;");
    expect(code).toContain("export { Counter, greet, __wbg_init as default, __wbg_initSync as initSync };");
    expect(code).toContain("import.meta.hot.accept((next) => {");
    // A namespace lists its exports sorted: the check holds for an unchanged build.
    expect(code).toContain('if (Object.keys(next).join() !== "Counter,default,greet,initSync") {');
    expect(code).toContain("import.meta.hot.invalidate(");
    expect(code).toContain(
      "setters.push((next) => { Counter = next.Counter; greet = next.greet; __wbg_init = next.default; __wbg_initSync = next.initSync; });",
    );
    expect(code).toContain("for (const set of setters) set(next);");
    expect(code).toContain('new CustomEvent("vite-plugin-crate:update", { detail: { crate: "my-crate" } })');
  });

  test("names that cannot be `let` bindings fall back to plain re-exports", () => {
    const code = crateModuleCode(glue, ["static", "weird-name"], { kind: "url", url: "/w.wasm" }, { crate: "c" });
    expect(code).not.toContain("import.meta.hot");
    expect(code).toContain('export { static, "weird-name", default, initSync } from');
  });
});

describe("?init and ?url modules", () => {
  // A stand-in for wasm-bindgen's glue that records what its init got.
  const fakeGlue = `data:text/javascript,${encodeURIComponent(
    [
      "export const calls = [];",
      "let wasm;",
      "export default async function init(options) { calls.push(options); wasm ??= { memory: 'raw memory' }; return wasm; }",
      "export function initSync() { return wasm; }",
      "export function greet(name) { return `Hello, ${name}!`; }",
    ].join("\n"),
  )}`;
  const load = async (code: string) => (await import(`data:text/javascript,${encodeURIComponent(code)}`)) as Record<string, any>;

  test("the queries that are ours, and the ones another plugin answers", () => {
    expect(crateQuery("./crate/Cargo.toml?init")).toBe("init");
    expect(crateQuery("/crate/Cargo.toml?url&t=123")).toBe("url");
    expect(crateQuery("./crate/Cargo.toml")).toBeUndefined();
    expect(crateQuery("./crate/Cargo.toml?t=1")).toBeUndefined();
    expect(isOtherPluginsQuery("./crate/Cargo.toml?raw")).toBe(true);
    expect(isOtherPluginsQuery("./crate/Cargo.toml?t=1")).toBe(false);
  });

  test("?init instantiates nothing on import; init() passes the crate's wasm and resolves to the crate's exports", async () => {
    const module = await load(initModuleCode(fakeGlue, ["greet"], { kind: "url", url: "/w.wasm" }));
    const glue = await import(fakeGlue);
    expect(glue.calls).toEqual([]);
    const exports = await module.default();
    expect(glue.calls).toEqual([{ module_or_path: "/w.wasm" }]);
    expect(Object.keys(exports)).toEqual(["greet"]);
    expect(exports.greet("Rust")).toBe("Hello, Rust!");
    expect(module.greet).toBe(exports.greet);
  });

  test("?init passes wasm-bindgen's options on, and takes a bare Module or URL as module_or_path", async () => {
    const module = await load(initModuleCode(fakeGlue, ["greet"], { kind: "url", url: "/w.wasm" }));
    const glue = await import(fakeGlue);
    glue.calls.length = 0;
    const memory = { shared: true };
    await module.default({ memory });
    await module.default({ module_or_path: "/other.wasm" });
    await module.default("/bare.wasm");
    expect(glue.calls).toEqual([{ memory, module_or_path: "/w.wasm" }, { module_or_path: "/other.wasm" }, { module_or_path: "/bare.wasm" }]);
  });

  test("?url is the URL the page fetches, by where the wasm comes from", () => {
    expect(urlModuleCode({ kind: "url", url: "/@vite-plugin-crate/x.wasm" })).toBe('export default "/@vite-plugin-crate/x.wasm";\n');
    expect(urlModuleCode({ kind: "asset", referenceId: "r1" })).toBe("export default import.meta.ROLLUP_FILE_URL_r1;\n");
    expect(urlModuleCode({ kind: "inline", base64: "AGFzbQ==" })).toBe('export default "data:application/wasm;base64,AGFzbQ==";\n');
    expect(urlModuleCode({ kind: "file", path: "/t/x.wasm" })).toBe('export default "file:///t/x.wasm";\n');
  });

  test("the crate module's default export is wasm-bindgen's init: harmless once instantiated, resolving to the raw exports", async () => {
    const module = await load(crateModuleCode(fakeGlue, ["greet"], { kind: "url", url: "/w.wasm" }));
    const raw = await module.default();
    expect(raw).toEqual({ memory: "raw memory" });
    expect(module.initSync()).toBe(raw);
    expect(module.greet("x")).toBe("Hello, x!");
  });
});

describe("withReleaseExport: old glue modules let go of their wasm", () => {
  // The top-level state of wasm-bindgen 0.2.130's `--target web` glue, with functions
  // that use it as the real glue's exports do.
  const glueJs = [
    "let cachedUint8ArrayMemory0 = null;",
    "let cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true });",
    "let WASM_VECTOR_LEN = 0;",
    "let wasmModule, wasmInstance, wasm;",
    "let __wbg_init_promise;",
    "export function setUp(instance) { wasm = instance; wasmModule = 'module'; wasmInstance = 'instance'; cachedUint8ArrayMemory0 = new Uint8Array(1); __wbg_init_promise = Promise.resolve(); WASM_VECTOR_LEN = 3; }",
    "export function state() { return { wasmModule, wasmInstance, cachedUint8ArrayMemory0, __wbg_init_promise, WASM_VECTOR_LEN }; }",
    "export function add(a, b) { return wasm.add(a, b); }",
    "export function freeCounter() { wasm.__wbg_counter_free(8, 1); }",
    "export function viewMemory() { return new Uint8Array(wasm.memory.buffer); }",
    "export function current() { return wasm; }",
  ].join("\n");
  const load = async (code: string) => (await import(`data:text/javascript,${encodeURIComponent(code)}`)) as Record<string, (...args: unknown[]) => unknown>;

  test("resets the instance, module, init promise and memory views; calls into the old build throw a clear error; frees do nothing", async () => {
    const glue = await load(withReleaseExport(glueJs, "my-crate"));
    glue.setUp!({ add: (a: number, b: number) => a + b, __wbg_counter_free: () => {}, memory: { buffer: new ArrayBuffer(8) } });
    expect(glue.add!(20, 22)).toBe(42);
    glue[RELEASE_EXPORT]!();
    expect(glue.state!()).toEqual({ wasmModule: undefined, wasmInstance: undefined, cachedUint8ArrayMemory0: null, __wbg_init_promise: undefined, WASM_VECTOR_LEN: 3 });
    expect(() => glue.add!(1, 2)).toThrow("this object or function belongs to an earlier build of my-crate, released after a newer hot update");
    expect(() => glue.viewMemory!()).toThrow("belongs to an earlier build of my-crate");
    expect(() => glue.freeCounter!()).not.toThrow();
    // Not mistaken for a promise (the glue's init returns `wasm` once it is set).
    expect(typeof (await Promise.resolve(glue.current!()))).toBe("function");
  });

  test("glue without a top-level `wasm` is left as it is", () => {
    expect(withReleaseExport("let other = null;\nexport const x = 1;", "c")).toBe("let other = null;\nexport const x = 1;");
  });

  test("the hot crate module releases the glue before the one it just replaced", () => {
    const code = crateModuleCode("\0vite-plugin-crate:/t/out/my_crate.js", ["greet"], { kind: "url", url: "/w.wasm" }, { crate: "my-crate" });
    const accept = code.slice(code.indexOf("import.meta.hot.accept("));
    expect(accept).toContain(`replaced.push(__glue.${RELEASE_EXPORT});`);
    expect(accept).toContain("if (replaced.length > 1) replaced.shift()?.();");
    // After the update event, so apps can still read old objects while they carry state over.
    expect(accept.lastIndexOf("releaseOlder();")).toBeGreaterThan(accept.indexOf("dispatchEvent"));
    // The exports' module keeps no hold on the instance through its top-level await.
    expect(code).toContain('await __wbg_init({ module_or_path: "/w.wasm" }).then(() => undefined);');
  });
});

describe("exportNames", () => {
  test("functions, classes, consts and specifiers, without default and initSync", () => {
    const ast = {
      body: [
        { type: "ExportNamedDeclaration", declaration: { type: "FunctionDeclaration", id: { name: "greet" } } },
        { type: "ExportNamedDeclaration", declaration: { type: "ClassDeclaration", id: { name: "Counter" } } },
        {
          type: "ExportNamedDeclaration",
          declaration: { type: "VariableDeclaration", declarations: [{ id: { type: "Identifier", name: "Mood" } }] },
        },
        {
          type: "ExportNamedDeclaration",
          specifiers: [{ exported: { type: "Identifier", name: "initSync" } }, { exported: { type: "Identifier", name: "default" } }],
        },
        { type: "ImportDeclaration" },
      ],
    };
    expect(exportNames(ast)).toEqual(["greet", "Counter", "Mood"]);
  });
});

describe("crateModuleDeclarations", () => {
  // Recorded from wasm-bindgen 0.2.130 --target web on the playground crate.
  const glueDts = fs.readFileSync(path.join(import.meta.dirname, "recorded/web-target.d.ts"), "utf8");
  const dts = crateModuleDeclarations(glueDts);

  test("keeps the crate's exports with their docs", () => {
    expect(dts).toContain("export function greet(name: string): string;");
    expect(dts).toContain("export class Counter {");
    expect(dts).toContain("export enum Mood {");
    expect(dts).toContain("Strings in, string out.");
  });

  test("the raw exports' types do not depend on the build (a stripped profile changes wasm-bindgen's ABI)", () => {
    // wasm-bindgen 0.2.130 on `basic`, a plain release build and one with `strip = true`.
    const plain = glueDts.replace(/^export interface InitOutput \{[^}]*\}/m, [
      "export interface InitOutput {",
      "    readonly memory: WebAssembly.Memory;",
      "    readonly greet: (a: number, b: number) => [number, number];",
      "    readonly __wbindgen_malloc: (a: number, b: number) => number;",
      "}",
    ].join("\n"));
    const stripped = plain
      .replace("(a: number, b: number) => [number, number]", "(a: number, b: number, c: number) => void")
      .replace("__wbindgen_malloc", "__wbindgen_export");
    expect(crateModuleDeclarations(stripped)).toBe(crateModuleDeclarations(plain));
    expect(crateModuleDeclarations(plain)).toContain("    readonly [rawExport: string]: unknown;");
  });

  test("keeps wasm-bindgen's init declarations for wasm-pack code, with the argument optional", () => {
    const init = dts.slice(dts.indexOf("// wasm-pack compatibility"));
    expect(init).toContain("export interface InitOutput {");
    expect(init).toContain("readonly memory: WebAssembly.Memory;");
    expect(init).toMatch(/^export function initSync\(module\?: \{ module: SyncInitInput \} \| SyncInitInput\): InitOutput;$/m);
    expect(init).toMatch(/^export default function init\(module_or_path\?: .*\): Promise<InitOutput>;$/m);
    expect(dts).not.toContain("__wbg_init");
    expect(dts).not.toContain("tslint");
    // The crate's exports come first, the init machinery after them.
    expect(dts.indexOf("export class Counter")).toBeLessThan(dts.indexOf("InitOutput"));
  });

  test("says where it came from, without a path that differs between clones (the file is committed)", () => {
    expect(dts.split("\n")[0]).toBe("// Generated by vite-plugin-crate from the Cargo.toml beside it: the crate's exports.");
    expect(dts).not.toMatch(/\/(app|home|root|tmp)\//);
  });

  test("a crate with no exports still gives a module", () => {
    expect(crateModuleDeclarations("export type InitInput = BufferSource;\n")).toContain("export {};");
  });
});

describe("wasm-bindgen CLI helpers", () => {
  test.each([
    ["wasm-bindgen 0.2.130", "0.2.130"],
    ["wasm-bindgen 0.2.92\n", "0.2.92"],
    ["wasm-bindgen 0.3.0-alpha.1", "0.3.0-alpha.1"],
    ["something else", undefined],
  ])("parseCliVersion(%j)", (output, version) => {
    expect(parseCliVersion(output)).toBe(version);
  });

  test("one cache folder per version", () => {
    expect(cachedCliPath("/cache", "0.2.130")).toBe(path.join("/cache", "0.2.130", "bin", process.platform === "win32" ? "wasm-bindgen.exe" : "wasm-bindgen"));
  });

  test("generates ESM for the web target with no default wasm URL", () => {
    expect(wasmBindgenArgs("/t/a.wasm", "/out", { outName: "a", keepDebug: false })).toEqual([
      "/t/a.wasm",
      "--out-dir",
      "/out",
      "--out-name",
      "a",
      "--target",
      "web",
      "--omit-default-module-path",
    ]);
  });

  test("dev builds keep their DWARF", () => {
    expect(wasmBindgenArgs("/t/a.wasm", "/out", { outName: "a", keepDebug: true }).at(-1)).toBe("--keep-debug");
  });
});
