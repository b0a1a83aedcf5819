import fs from "node:fs";
import path from "node:path";
import { execa } from "execa";
import ts from "typescript";
import { beforeAll, describe, expect, test } from "vitest";
import { rawModuleDeclarations } from "../../src/codegen/raw-declarations.ts";
import { type ModuleInterface, readModuleInterface } from "../../src/wasm-binary/module-interface.ts";
import { FIXTURES } from "../helpers/fixtures.ts";
import { moduleOf, section, str, u32, vec } from "../helpers/wasm-bytes.ts";

const { default: binaryen } = await import("binaryen");


const I32 = [0x7f], I64 = [0x7e], F32 = [0x7d], F64 = [0x7c], V128 = [0x7b], FUNCREF = [0x70], EXTERNREF = [0x6f];
const [FUNC, TABLE, MEMORY, GLOBAL, TAG] = [0, 1, 2, 3, 4];
const func = (params: number[][], results: number[][]): number[] => [0x60, ...vec(params), ...vec(results)];
const exp = (name: string, kind: number, index: number): number[] => [...str(name), kind, ...u32(index)];
const imp = (module: string, name: string, kind: number, type: number[]): number[] => [...str(module), ...str(name), kind, ...type];
/** Bodies that trap: valid for any signature. */
const code = (count: number): number[] => section(10, vec(Array.from({ length: count }, () => [3, 0x00, 0x00, 0x0b])));
const END = 0x0b;

/** Every value type in signatures, multi-value results and no results. */
const SIGNATURES = moduleOf(
  section(1, vec([
    func([I32, I64, F32, F64], [F64]),
    func([V128], [V128]),
    func([FUNCREF, EXTERNREF], [EXTERNREF]),
    func([], [I32, I64, F32]),
    func([], []),
  ])),
  section(3, vec([[0], [1], [2], [3], [4]])),
  section(7, vec([exp("mix", FUNC, 0), exp("simd", FUNC, 1), exp("refs", FUNC, 2), exp("multi", FUNC, 3), exp("nothing", FUNC, 4)])),
  code(5),
);

/** Tables, a shared memory and globals of each value type, exported. */
const STORAGE = moduleOf(
  section(4, vec([[...FUNCREF, 0x01, 1, 2], [...EXTERNREF, 0x00, 0]])),
  section(5, vec([[0x03, 1, 4]])),
  section(6, vec([
    [...I32, 0, 0x41, 42, END],
    [...I64, 1, 0x42, 0, END],
    [...F32, 0, 0x43, 0, 0, 0, 0, END],
    [...F64, 1, 0x44, 0, 0, 0, 0, 0, 0, 0, 0, END],
    [...EXTERNREF, 1, 0xd0, 0x6f, END],
    [...FUNCREF, 0, 0xd0, 0x70, END],
    [...V128, 0, 0xfd, 0x0c, ...Array<number>(16).fill(0), END],
  ])),
  section(7, vec([
    exp("table", TABLE, 0), exp("objects", TABLE, 1), exp("memory", MEMORY, 0),
    ...["ANSWER", "wide", "ratio", "mean", "object", "callback", "lanes"].map((name, i) => exp(name, GLOBAL, i)),
  ])),
);

/** One import of each kind; imported functions and tags come first in their index spaces. */
const IMPORTS = moduleOf(
  section(1, vec([func([I32], []), func([I64], [F64, I32])])),
  section(2, vec([
    imp("env", "log", FUNC, [0]),
    imp("env", "wide", FUNC, [1]),
    imp("env", "memory", MEMORY, [0x03, 1, 16]),
    imp("env", "table", TABLE, [...FUNCREF, 0x00, 1]),
    imp("env", "ANSWER", GLOBAL, [...I32, 0]),
    imp("env", "counter", GLOBAL, [...I64, 1]),
    imp("js", "error", TAG, [0x00, 0]),
  ])),
  section(3, vec([[0]])),
  section(13, vec([[0x00, 0]])),
  section(7, vec([exp("log", FUNC, 0), exp("run", FUNC, 2), exp("error", TAG, 0), exp("exception", TAG, 1)])),
  code(1),
);

describe("readModuleInterface", () => {
  test.each([["SIGNATURES", SIGNATURES], ["STORAGE", STORAGE], ["IMPORTS", IMPORTS]])("%s is a valid module, and its names and kinds are what V8 lists", (_name, wasm) => {
    const module = new WebAssembly.Module(wasm);
    const { imports, exports } = readModuleInterface(wasm);
    expect(imports.map(({ module, name, kind }) => ({ module, name, kind }))).toEqual(WebAssembly.Module.imports(module));
    expect(exports.map(({ name, kind }) => ({ name, kind }))).toEqual(WebAssembly.Module.exports(module));
  });

  test("every value type, multi-value results and no results", () => {
    expect(readModuleInterface(SIGNATURES)).toEqual({
      imports: [],
      exports: [
        { name: "mix", kind: "function", type: { params: ["i32", "i64", "f32", "f64"], results: ["f64"] } },
        { name: "simd", kind: "function", type: { params: ["v128"], results: ["v128"] } },
        { name: "refs", kind: "function", type: { params: ["funcref", "externref"], results: ["externref"] } },
        { name: "multi", kind: "function", type: { params: [], results: ["i32", "i64", "f32"] } },
        { name: "nothing", kind: "function", type: { params: [], results: [] } },
      ],
    });
  });

  test("tables, a shared memory and globals: limits, element and value types, mutability", () => {
    expect(readModuleInterface(STORAGE).exports).toEqual([
      { name: "table", kind: "table", type: { element: "funcref", minimum: 1, maximum: 2, address: "i32" } },
      { name: "objects", kind: "table", type: { element: "externref", minimum: 0, address: "i32" } },
      { name: "memory", kind: "memory", type: { minimum: 1, maximum: 4, shared: true, address: "i32" } },
      { name: "ANSWER", kind: "global", type: { valueType: "i32", mutable: false } },
      { name: "wide", kind: "global", type: { valueType: "i64", mutable: true } },
      { name: "ratio", kind: "global", type: { valueType: "f32", mutable: false } },
      { name: "mean", kind: "global", type: { valueType: "f64", mutable: true } },
      { name: "object", kind: "global", type: { valueType: "externref", mutable: true } },
      { name: "callback", kind: "global", type: { valueType: "funcref", mutable: false } },
      { name: "lanes", kind: "global", type: { valueType: "v128", mutable: false } },
    ]);
  });

  test("imports of each kind, and exports of imported and defined functions and tags", () => {
    expect(readModuleInterface(IMPORTS)).toEqual({
      imports: [
        { module: "env", name: "log", kind: "function", type: { params: ["i32"], results: [] } },
        { module: "env", name: "wide", kind: "function", type: { params: ["i64"], results: ["f64", "i32"] } },
        { module: "env", name: "memory", kind: "memory", type: { minimum: 1, maximum: 16, shared: true, address: "i32" } },
        { module: "env", name: "table", kind: "table", type: { element: "funcref", minimum: 1, address: "i32" } },
        { module: "env", name: "ANSWER", kind: "global", type: { valueType: "i32", mutable: false } },
        { module: "env", name: "counter", kind: "global", type: { valueType: "i64", mutable: true } },
        { module: "js", name: "error", kind: "tag", type: { params: ["i32"], results: [] } },
      ],
      exports: [
        { name: "log", kind: "function", type: { params: ["i32"], results: [] } },
        // Function 2: the two imported functions are 0 and 1.
        { name: "run", kind: "function", type: { params: ["i32"], results: [] } },
        { name: "error", kind: "tag", type: { params: ["i32"], results: [] } },
        { name: "exception", kind: "tag", type: { params: ["i32"], results: [] } },
      ],
    });
  });

  test("GC and newer encodings: recursion groups, subtypes, struct and array types, typed references, memory64, initialized tables, GC constant expressions", () => {
    const wasm = moduleOf(
      section(1, [
        3,
        ...[0x4e, 2, 0x5f, 1, ...I32, 1, 0x4f, 0, ...func([[0x63, 0]], [[0x64, 0]])], // rec { struct { mut i32 }, sub final func (ref null 0) -> (ref 0) }
        ...func([[0x63, 0x70], [0x63, 0x6f], [0x6e]], [[0x64, 0x70]]), // (ref null func) (ref null extern) anyref -> (ref func)
        ...[0x5e, 0x78, 1], // array (mut i8)
      ]),
      section(3, vec([[1], [2]])),
      section(4, vec([[0x40, 0x00, 0x63, 0x70, 0x00, 1, 0xd0, 0x70, END]])),
      section(5, vec([[0x04, 1]])),
      section(6, vec([[0x63, 0, 0, 0xfb, 0x01, 0, END], [...I32, 0, 0x41, 1, 0x41, 2, 0x6a, END]])),
      section(7, vec([exp("make", FUNC, 0), exp("refs", FUNC, 1), exp("table", TABLE, 0), exp("memory", MEMORY, 0), exp("object", GLOBAL, 0), exp("sum", GLOBAL, 1)])),
      code(2),
    );
    // Node's V8 does not take all of these yet; binaryen checks the bytes are a valid module.
    // Its types name `readBinaryWithFeatures`, which the build lacks: `readBinary` takes the features.
    const readBinary = binaryen.readBinary as (data: Uint8Array, features: number) => InstanceType<typeof binaryen.Module>;
    const module = readBinary(wasm, binaryen.Features.All);
    try {
      expect(module.validate()).toBeTruthy();
    } finally {
      module.dispose();
    }
    expect(readModuleInterface(wasm).exports).toEqual([
      { name: "make", kind: "function", type: { params: ["ref"], results: ["ref"] } },
      { name: "refs", kind: "function", type: { params: ["funcref", "externref", "ref"], results: ["ref"] } },
      { name: "table", kind: "table", type: { element: "funcref", minimum: 1, address: "i32" } },
      { name: "memory", kind: "memory", type: { minimum: 1, shared: false, address: "i64" } },
      { name: "object", kind: "global", type: { valueType: "ref", mutable: false } },
      { name: "sum", kind: "global", type: { valueType: "i32", mutable: false } },
    ]);
  });

  test("a type or global this reader cannot decode is an error only when an export needs it", () => {
    const types = section(1, [2, ...func([], []), 0x20]); // type 1: an unknown form
    const globals = section(6, vec([[...I32, 0, 0x10, 0, END]])); // `call` is no constant instruction
    const build = (exports: number[][]) => moduleOf(types, section(3, vec([[0], [1]])), globals, section(7, vec(exports)));
    expect(readModuleInterface(build([exp("ok", FUNC, 0)])).exports).toEqual([
      { name: "ok", kind: "function", type: { params: [], results: [] } },
    ]);
    expect(() => readModuleInterface(build([exp("bad", FUNC, 1)]))).toThrow(
      'unsupported wasm module: export "bad" (function 1) needs type 1, which could not be read: ' +
        "malformed wasm module: type 1 at byte offset 14: unsupported type form 0x20",
    );
    expect(() => readModuleInterface(build([exp("g", GLOBAL, 0)]))).toThrow(
      'unsupported wasm module: export "g" (global 0) needs global 0, which could not be read: ' +
        "malformed wasm module: global 0 initializer at byte offset 25: unsupported instruction 0x10 in a constant expression",
    );
  });

  test("a truncated module is an error naming the byte offset", () => {
    expect(() => readModuleInterface(IMPORTS.slice(0, 40))).toThrow(
      "malformed wasm module: import section at byte offset 23: 92 bytes run past the end of the module",
    );
    expect(() => readModuleInterface(IMPORTS.slice(0, 6))).toThrow("malformed wasm module: module header at byte offset 0");
    // Cut anywhere: a clean cut between sections reads as a smaller module, any other
    // cut is this reader's error, never a TypeError or a wrong answer.
    for (let end = 0; end < IMPORTS.length; end++) {
      try {
        readModuleInterface(IMPORTS.slice(0, end));
      } catch (error) {
        expect((error as Error).message).toMatch(/^malformed wasm module: .+ at byte offset \d+: /);
      }
    }
  });

  test.each([
    ["an export of a function the module lacks", moduleOf(section(7, vec([exp("f", FUNC, 3)]))), 'malformed wasm module: export "f" (function 3) refers to function 3, but the module has 0'],
    ["an unknown export kind", moduleOf(section(7, vec([exp("f", 9, 0)]))), "malformed wasm module: export 0 kind at byte offset 13: unsupported kind 0x9"],
    ["a function whose type is a struct", moduleOf(section(1, vec([[0x5f, 0]])), section(3, vec([[0]])), section(7, vec([exp("f", FUNC, 0)]))), 'malformed wasm module: export "f" (function 0) has type 0, a struct type, not a function type'],
    ["bytes left at the end of the export section", moduleOf(section(7, [0, 0])), "malformed wasm module: the export section at byte offset 11: 1 unread bytes at its end"],
    ["an export name that is not UTF-8", moduleOf(section(7, [1, 1, 0xff, MEMORY, 0])), "malformed wasm module: export 0 name at byte offset 11: invalid UTF-8"],
    ["not a wasm module", new TextEncoder().encode("<!doctype html>"), "malformed wasm module: magic number at byte offset 0: not a wasm module"],
  ])("%s is a clear error", (_name, wasm, message) => {
    expect(() => readModuleInterface(wasm)).toThrow(message);
  });

  test("an export whose name is not an identifier is read as is", () => {
    const wasm = moduleOf(section(1, vec([func([], [])])), section(3, vec([[0]])), section(7, vec([exp("foo-bar", FUNC, 0), exp("", FUNC, 0), exp("ünïcode ✓", FUNC, 0)])), code(1));
    expect(WebAssembly.validate(wasm)).toBe(true);
    expect(readModuleInterface(wasm).exports.map((entry) => entry.name)).toEqual(["foo-bar", "", "ünïcode ✓"]);
  });
});

/** Compiler diagnostics of in-memory files (`main.ts` imports `./crate.js`, i.e. `crate.d.ts`), as `file:line TScode`. */
const libFiles = new Map<string, ts.SourceFile | undefined>();
function typeErrors(files: Record<string, string>): string[] {
  const root = path.join(FIXTURES, "..", ".tmp", "virtual");
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    types: [],
    // Checks crate.d.ts, not TypeScript's own lib files.
    skipDefaultLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const virtual = (file: string) => (path.dirname(file) === root ? files[path.basename(file)] : undefined);
  const { fileExists, readFile, getSourceFile } = host;
  host.directoryExists = (dir) => dir === root || ts.sys.directoryExists(dir);
  host.fileExists = (file) => virtual(file) !== undefined || fileExists.call(host, file);
  host.readFile = (file) => virtual(file) ?? readFile.call(host, file);
  host.getSourceFile = (file, language, ...rest) => {
    const text = virtual(file);
    if (text !== undefined) return ts.createSourceFile(file, text, language);
    // The lib files, parsed once for the whole suite.
    if (!libFiles.has(file)) libFiles.set(file, getSourceFile.call(host, file, language, ...rest));
    return libFiles.get(file);
  };
  const program = ts.createProgram(Object.keys(files).map((name) => path.join(root, name)), options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const where = diagnostic.file ? `${path.basename(diagnostic.file.fileName)}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start!).line + 1}` : "-";
    return `${where} TS${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, " ")}`;
  });
}

/** `lines` as main.ts, each expected to fail with its own error code, after the good ones. */
function expectErrorsPerLine(dts: string, imports: string, good: string[], bad: Array<[string, number]>): void {
  const main = [imports, ...good, ...bad.map(([line]) => line)].join("\n");
  const errors = typeErrors({ "crate.d.ts": dts, "main.ts": main });
  const firstBad = good.length + 2;
  expect(errors.filter((error) => !/^main\.ts:\d+ /.test(error) || Number(error.split(/[: ]/)[1]) < firstBad)).toEqual([]);
  bad.forEach(([line, code], i) => {
    const found = errors.filter((error) => error.startsWith(`main.ts:${firstBad + i} `));
    expect(found.map((error) => error.split(" ")[1]), `${line}\n${found.join("\n")}`).toEqual([`TS${code}`]);
  });
}

/** A crate's shape: two functions, one imported; memory; a static's global. */
const SMALL = moduleOf(
  section(1, vec([func([I32, I32], [I32]), func([I32], [])])),
  section(2, vec([imp("env", "host_log", FUNC, [1])])),
  section(3, vec([[0]])),
  section(5, vec([[0x00, 17]])),
  section(6, vec([[...I32, 0, 0x41, 42, END]])),
  section(7, vec([exp("add", FUNC, 1), exp("memory", MEMORY, 0), exp("ANSWER", GLOBAL, 0)])),
  code(1),
);

describe("rawModuleDeclarations", () => {
  test("named exports, the Imports and Exports interfaces and the default instantiate", () => {
    expect(rawModuleDeclarations(readModuleInterface(SMALL))).toBe(
      [
        "// The named exports are set when `instantiate(imports)` first resolves: await it before using them.",
        "",
        // By name (code unit order): dev and release builds list exports differently.
        "/** wasm: immutable i32 global */",
        'export declare const ANSWER: WebAssembly.Global<"i32">;',
        "/** wasm: (i32, i32) -> i32 */",
        "export declare function add(a0: number, a1: number): number;",
        "/** wasm: memory */",
        "export declare const memory: WebAssembly.Memory;",
        "",
        "/** What `instantiate` needs: the wasm module's imports, by module and name. */",
        "export interface Imports {",
        "  env: {",
        "    /** wasm: (i32) -> () */",
        "    host_log(a0: number): void;",
        "  };",
        "}",
        "",
        "/** The wasm instance's exports. */",
        "export interface Exports {",
        "  /** wasm: immutable i32 global */",
        '  readonly ANSWER: WebAssembly.Global<"i32">;',
        "  /** wasm: (i32, i32) -> i32 */",
        "  add(a0: number, a1: number): number;",
        "  /** wasm: memory */",
        "  readonly memory: WebAssembly.Memory;",
        "}",
        "",
        "/** Resolves to the wasm instance's exports (the named exports' values), instantiating it on the first call only. */",
        "export default function instantiate(imports: Imports): Promise<Exports>;",
        "",
      ].join("\n"),
    );
  });

  test("value types: i32/f32/f64 are numbers, i64 bigints, funcref a wasm function or null, externref anything; several results a tuple, none void", () => {
    const dts = rawModuleDeclarations(readModuleInterface(SIGNATURES));
    expect(dts).toContain("export declare function mix(a0: number, a1: bigint, a2: number, a3: number): number;");
    expect(dts).toContain("export declare function refs(a0: Function | null, a1: unknown): unknown;");
    expect(dts).toContain("/** wasm: () -> (i32, i64, f32) */\nexport declare function multi(): [number, bigint, number];");
    expect(dts).toContain("export declare function nothing(): void;");
    // v128 cannot cross into JavaScript: the export exists, but a call throws.
    expect(dts).toContain("/** wasm: (v128) -> v128. Not callable from JavaScript: a v128 value cannot cross, so calls throw a TypeError */\nexport declare const simd: unknown;");
    expect(dts).toContain("export default function instantiate(imports?: Imports): Promise<Exports>;");
  });

  test("the declarations compile, and catch wrong argument and result types", () => {
    expectErrorsPerLine(
      rawModuleDeclarations(readModuleInterface(SIGNATURES)),
      'import instantiate, { mix, multi, refs, nothing, simd, type Exports } from "./crate.js";',
      [
        "const a: number = mix(1, 2n, 3, 4);",
        "const [b, c, d]: [number, bigint, number] = multi();",
        "const e: unknown = refs(null, { any: 'value' });",
        "const f: void = nothing();",
        "const g: unknown = simd;",
        "const exports: Exports = await instantiate();",
        "exports.mix(1, 2n, 3, 4);",
        "export { a, b, c, d, e, f, g };",
      ],
      [
        ['mix("1", 2n, 3, 4);', 2345],
        ["mix(1, 2, 3, 4);", 2345],
        ["mix(1, 2n, 3);", 2554],
        ["const h: string = mix(1, 2n, 3, 4);", 2322],
        ["const [i, j]: [number, number] = multi();", 2322],
        ['refs("callback", null);', 2345],
        ["simd(1);", 18046],
        ['exports.mix(1, 2n, 3, "4");', 2345],
        ['await instantiate({ env: { memory: "x" } });', 2322],
      ],
    );
  });

  test("memories, tables and globals are WebAssembly objects; globals typed by their value", () => {
    expectErrorsPerLine(
      rawModuleDeclarations(readModuleInterface(STORAGE)),
      'import { memory, table, ANSWER, wide, callback } from "./crate.js";',
      ["const a: ArrayBuffer = memory.buffer;", "const b: number = table.length;", "const c: number = ANSWER.value;", "const d: bigint = wide.value;", "const e: Function = callback.value;", "export { a, b, c, d, e };"],
      [["const f: number = wide.value;", 2322], ["memory.grow(1n);", 2345]],
    );
  });

  test("imports: functions to give, WebAssembly objects or plain values for immutable globals; required when the module has any", () => {
    const dts = rawModuleDeclarations(readModuleInterface(IMPORTS));
    expect(dts).toContain("export default function instantiate(imports: Imports): Promise<Exports>;");
    const memory = "new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true })";
    const table = 'new WebAssembly.Table({ element: "anyfunc", initial: 1 })';
    const counter = 'new WebAssembly.Global({ value: "i64", mutable: true }, 0n)';
    const env = (overrides: Record<string, string> = {}) => {
      const members = { log: "(value: number) => {}", wide: "(value: bigint): [number, number] => [Number(value), 1]", memory, table, ANSWER: "42", counter, ...overrides };
      return `{ env: { ${Object.entries(members).map(([name, value]) => `${name}: ${value}`).join(", ")} }, js: { error: null } }`;
    };
    expectErrorsPerLine(
      dts,
      'import instantiate, { log, run } from "./crate.js";',
      [`await instantiate(${env()});`, `await instantiate(${env({ ANSWER: 'new WebAssembly.Global({ value: "i32" }, 42)' })});`, "log(1);", "run(2);"],
      [
        ["await instantiate();", 2554],
        [`await instantiate(${env({ log: "(value: string) => {}" })});`, 2322],
        [`await instantiate(${env({ counter: "0n" })});`, 2322],
        [`await instantiate(${env({ wide: "(value: bigint): [number, bigint] => [1, value]" })});`, 2322],
        [`await instantiate({ env: { log() {} } });`, 2739],
      ],
    );
  });

  test("export names that are not identifiers or are reserved words: exported under their own name through a local one", () => {
    const names = ["foo-bar", "new", "_new", "default", "instantiate", "Exports", "", "delete", "get", "a.b", "ünïcode", "eval", "await", "constructor"];
    const wasm = moduleOf(
      section(1, vec([func([I32], [I32]), func([I64], [I64])])),
      section(2, vec([
        imp("env", "new", FUNC, [0]),
        imp("env", "fd-write", FUNC, [0]),
        // Imported again with the same type, with another, and as a global.
        ...[0, 0, 1].map((type) => imp("env", "twice", FUNC, [type])),
        imp("env", "twice", GLOBAL, [...I32, 0]),
        imp("other", "twice", FUNC, [0]),
      ])),
      section(3, vec([[0]])),
      section(7, vec(names.map((name) => exp(name, FUNC, 6)))),
      code(1),
    );
    expect(WebAssembly.validate(wasm)).toBe(true);
    const dts = rawModuleDeclarations(readModuleInterface(wasm));
    expect(dts).toContain("export declare function _new(a0: number): number;");
    expect(dts).toContain("export declare function ünïcode(a0: number): number;");
    expect(dts).toContain("// The wasm export `default` is `Exports.default` only: this module's default export is `instantiate`.");
    expect(dts).toContain(
      'export { export0 as "", export3 as "a.b", _await as await, _delete as delete, _eval as eval, export9 as "foo-bar", _instantiate as instantiate, __new as new };',
    );
    expect(dts).toContain('    "fd-write"(a0: number): number;\n    /** wasm: (i32) -> i32 */\n    "new"(a0: number): number;');
    expect(dts).toContain(
      [
        "    /** wasm: (i32) -> i32 */",
        "    twice(a0: number): number;",
        "    /** wasm: (i64) -> i64 */",
        "    twice(a0: bigint): bigint;",
        '    // "twice" is imported again, as a global: the first import\'s type is kept.',
        "  };",
        "  other: {",
        "    /** wasm: (i32) -> i32 */",
        "    twice(a0: number): number;",
        "  };",
      ].join("\n"),
    );
    expectErrorsPerLine(
      dts,
      'import instantiate, { "foo-bar" as fooBar, new as create, _new, instantiate as namedInstantiate, Exports, type Exports as ExportsType, "" as empty, delete as remove, get, "a.b" as ab, ünïcode, eval as evaluate, await as wait, constructor } from "./crate.js";',
      [
        "const results: number[] = [fooBar(1), create(1), _new(1), namedInstantiate(1), Exports(1), empty(1), remove(1), get(1), ab(1), ünïcode(1), evaluate(1), wait(1), constructor(1)];",
        "const twice = <T extends number | bigint>(a: T): T => a;",
        'const exports: ExportsType = await instantiate({ env: { new: (a: number) => a, "fd-write": (a: number) => a, twice }, other: { twice } });',
        'exports["foo-bar"](1); exports.default(1); exports.new(1); exports[""](1);',
        "export { results };",
      ],
      [
        ['fooBar("1");', 2345],
        // One function must serve both overloads of env.twice.
        ['await instantiate({ env: { new: (a: number) => a, "fd-write": (a: number) => a, twice: (a: number) => a }, other: { twice } });', 2322],
        // The local names are not exports.
        ['import { export0 } from "./crate.js";', 2724],
      ],
    );
  });
});

describe("the fixture crates without wasm-bindgen, built with cargo", () => {
  const release = path.join(FIXTURES, "target/wasm32-unknown-unknown/release");
  let rawAbi: Uint8Array<ArrayBuffer>;
  let rawImports: Uint8Array<ArrayBuffer>;

  beforeAll(async () => {
    await execa("cargo", ["build", "--target", "wasm32-unknown-unknown", "--release", "-p", "raw-abi", "-p", "raw-imports"], { cwd: FIXTURES });
    rawAbi = new Uint8Array(fs.readFileSync(path.join(release, "raw_abi.wasm")));
    rawImports = new Uint8Array(fs.readFileSync(path.join(release, "raw_imports.wasm")));
  });

  // A cdylib also exports its linear memory and the linker's __data_end and
  // __heap_base, as immutable i32 globals holding addresses.
  const linkerGlobals = [
    { name: "__data_end", kind: "global", type: { valueType: "i32", mutable: false } },
    { name: "__heap_base", kind: "global", type: { valueType: "i32", mutable: false } },
  ];
  const memory = { name: "memory", kind: "memory", type: { minimum: expect.any(Number), shared: false, address: "i32" } };

  test("raw-abi: its functions, memory, and ANSWER as a global holding the static's address", async () => {
    const iface: ModuleInterface = readModuleInterface(rawAbi);
    expect(iface).toEqual({
      imports: [],
      exports: [
        memory,
        { name: "add", kind: "function", type: { params: ["i32", "i32"], results: ["i32"] } },
        { name: "add_wide", kind: "function", type: { params: ["i64", "i64"], results: ["i64"] } },
        { name: "bump", kind: "function", type: { params: [], results: [] } },
        { name: "counter", kind: "function", type: { params: [], results: ["i32"] } },
        { name: "hypot", kind: "function", type: { params: ["f64", "f64"], results: ["f64"] } },
        { name: "mix", kind: "function", type: { params: ["i32", "i64", "f32", "f64"], results: ["f64"] } },
        { name: "scale", kind: "function", type: { params: ["f32", "f32"], results: ["f32"] } },
        { name: "ANSWER", kind: "global", type: { valueType: "i32", mutable: false } },
        ...linkerGlobals,
      ],
    });

    // The runtime values are of the declared types.
    const { instance } = await WebAssembly.instantiate(rawAbi);
    const wasm = instance.exports as unknown as {
      add(a: number, b: number): number;
      add_wide(a: bigint, b: bigint): bigint;
      bump(): void;
      counter(): number;
      memory: WebAssembly.Memory;
      ANSWER: WebAssembly.Global<"i32">;
    };
    expect(wasm.add(2, 3)).toBe(5);
    expect(wasm.add_wide(2n ** 40n, 1n)).toBe(2n ** 40n + 1n);
    expect(wasm.bump()).toBeUndefined();
    expect(wasm.counter()).toBe(1);
    // The global is the static's address; its value is in memory there.
    expect(wasm.ANSWER.value).not.toBe(42);
    expect(new Int32Array(wasm.memory.buffer, wasm.ANSWER.value, 1)[0]).toBe(42);

    expectErrorsPerLine(
      rawModuleDeclarations(iface),
      'import { add, add_wide, bump, hypot, mix, scale, memory, ANSWER, __heap_base } from "./crate.js";',
      [
        "const n: number = add(1, 2) + hypot(3, 4) + mix(1, 2n, 3, 4) + scale(1, 2);",
        "const w: bigint = add_wide(1n, 2n);",
        "const v: void = bump();",
        "const answer: number = new Int32Array(memory.buffer, ANSWER.value, 1)[0]!;",
        "const heap: number = __heap_base.value;",
        "export { n, w, v, answer, heap };",
      ],
      [
        ['add("1", 2);', 2345],
        ["add_wide(1, 2);", 2345],
        ["ANSWER.value = 1n;", 2322],
      ],
    );
  });

  test("raw-imports: env.host_log as an import, called by log_sum", async () => {
    const iface = readModuleInterface(rawImports);
    expect(iface).toEqual({
      imports: [{ module: "env", name: "host_log", kind: "function", type: { params: ["i32"], results: [] } }],
      exports: [memory, { name: "log_sum", kind: "function", type: { params: ["i32", "i32"], results: ["i32"] } }, ...linkerGlobals],
    });
    const logged: number[] = [];
    const { instance } = await WebAssembly.instantiate(rawImports, { env: { host_log: (value: number) => void logged.push(value) } });
    expect((instance.exports.log_sum as (a: number, b: number) => number)(2, 40)).toBe(42);
    expect(logged).toEqual([42]);

    expectErrorsPerLine(
      rawModuleDeclarations(iface),
      'import instantiate from "./crate.js";',
      ["const { log_sum } = await instantiate({ env: { host_log: (value) => console.log(value.toFixed()) } });", "export const sum: number = log_sum(1, 2);"],
      [["await instantiate({ env: {} });", 2741]],
    );
  });
});
