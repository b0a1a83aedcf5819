import { describe, expect, test } from "vitest";
import { formatFunctionTable, largestFunctions } from "../../src/report/wasm-functions.ts";
import { str, u32 } from "../helpers/wasm-bytes.ts";

const { default: binaryen } = await import("binaryen");

type Module = InstanceType<typeof binaryen.Module>;

/** Emits a module built by `build`, with the `name` section only when `names` is set. */
function emit(build: (module: Module) => void, names: boolean): Uint8Array<ArrayBuffer> {
  const module = new binaryen.Module();
  try {
    build(module);
    if (!module.validate()) throw new Error("test module does not validate");
    // Debug info is binaryen-global state: restore it so other modules are emitted stripped.
    binaryen.setDebugInfo(names);
    // Copied so the type is ArrayBuffer-backed, as `new WebAssembly.Module` wants.
    return new Uint8Array(module.emitBinary());
  } finally {
    binaryen.setDebugInfo(false);
    module.dispose();
  }
}

/** An imported function, then three defined ones whose sizes differ by far, out of size order. */
function threeFunctions(module: Module): void {
  const { i32, none } = binaryen;
  module.addFunctionImport("log", "env", "log", i32, none);
  const calls = (n: number) => Array.from({ length: n }, (_, i) => module.call("log", [module.i32.const(i * 1000)], none));
  module.addFunction("tiny", none, i32, [], module.i32.const(7));
  module.addFunction("large", none, none, [], module.block(null, calls(60)));
  module.addFunction("medium", none, none, [], module.block(null, calls(8)));
}

/** Where section `id`'s payload starts and how long it is, found without the module under test. */
function findSection(wasm: Uint8Array, id: number): { start: number; size: number } {
  let pos = 8;
  const leb = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = wasm[pos++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (pos < wasm.length) {
    const sectionId = wasm[pos++]!;
    const size = leb();
    if (sectionId === id) return { start: pos, size };
    pos += size;
  }
  throw new Error(`no section ${id}`);
}

// Hand-assembled modules, for exact sizes and for encodings binaryen does not emit.
const section = (id: number, payload: number[]): number[] => [id, ...u32(payload.length), ...payload];
const moduleOf = (...sections: number[][]): Uint8Array => new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...sections.flat()]);
/** A body of exactly `size` bytes after its size prefix: no locals, `nop`s, `end`. */
const body = (size: number): number[] => [...u32(size), 0x00, ...Array<number>(size - 2).fill(0x01), 0x0b];
const nameSection = (names: Array<[number, string]>): number[] => {
  const nameMap = [...u32(names.length), ...names.flatMap(([index, name]) => [...u32(index), ...str(name)])];
  return section(0, [...str("name"), 1, ...u32(nameMap.length), ...nameMap]);
};

describe("largestFunctions on binaryen modules", () => {
  const named = emit(threeFunctions, true);

  test("names, order and function indices, with the import not counted", () => {
    const importedFunctions = WebAssembly.Module.imports(new WebAssembly.Module(named)).filter((i) => i.kind === "function");
    expect(importedFunctions).toHaveLength(1);
    const report = largestFunctions(named);
    expect(report.hasNames).toBe(true);
    expect(report.totalBytes).toBe(named.byteLength);
    expect(report.functions.map(({ name, index }) => [name, index])).toEqual([
      ["large", 2],
      ["medium", 3],
      ["tiny", 1],
    ]);
    const [large, medium, tiny] = report.functions.map((f) => f.size);
    // 60 calls against 8, against a lone constant.
    expect(large).toBeGreaterThan(5 * medium!);
    expect(medium).toBeGreaterThan(5 * tiny!);
  });

  test("the sizes, size prefixes included, add up to the code section", () => {
    const code = findSection(named, 10);
    const countBytes = u32(named[code.start]!).length; // three bodies: a one-byte count
    const total = largestFunctions(named).functions.reduce((sum, f) => sum + f.size, 0);
    expect(total).toBe(code.size - countBytes);
  });

  test("without a name section: placeholders by code section position, same sizes", () => {
    const stripped = emit(threeFunctions, false);
    const report = largestFunctions(stripped);
    expect(report.hasNames).toBe(false);
    const byIndex = new Map(largestFunctions(named).functions.map((f) => [f.index, f.size]));
    expect(report.functions).toEqual([
      { name: "code[1]", index: 2, size: byIndex.get(2) },
      { name: "code[2]", index: 3, size: byIndex.get(3) },
      { name: "code[0]", index: 1, size: byIndex.get(1) },
    ]);
  });

  test("`count` keeps the largest", () => {
    expect(largestFunctions(named, 1).functions.map((f) => f.name)).toEqual(["large"]);
  });

  test("every kind of import is stepped over", () => {
    const wasm = emit((module) => {
      // Not `Features.All`: it lets binaryen emit the compact import encoding, which Node cannot compile.
      const { Atomics, BulkMemory, ExceptionHandling, MutableGlobals, ReferenceTypes } = binaryen.Features;
      module.setFeatures(Atomics | BulkMemory | ExceptionHandling | MutableGlobals | ReferenceTypes);
      const { i32, none } = binaryen;
      module.addTableImport("table", "env", "table");
      module.setMemory(1, 16, null, [], true, false, "memory");
      module.addMemoryImport("memory", "env", "memory", true);
      module.addGlobalImport("g", "env", "g", i32, true);
      module.addGlobalImport("r", "env", "r", binaryen.externref, false);
      module.addTagImport("tag", "env", "tag", i32, none);
      module.addFunctionImport("first", "env", "first", none, none);
      module.addFunctionImport("second", "env", "second", none, none);
      module.addFunction("defined", none, i32, [], module.global.get("g", i32));
    }, true);
    const kinds = WebAssembly.Module.imports(new WebAssembly.Module(wasm)).map((i) => i.kind);
    expect(kinds.sort()).toEqual(["function", "function", "global", "global", "memory", "table", "tag"]);
    expect(largestFunctions(wasm).functions.map(({ name, index }) => [name, index])).toEqual([["defined", 2]]);
  });

  test("modules without defined functions give an empty list", () => {
    for (const wasm of [
      emit(() => {}, true),
      emit((module) => module.addFunctionImport("log", "env", "log", binaryen.i32, binaryen.none), true),
    ]) {
      expect(largestFunctions(wasm)).toEqual({ functions: [], totalBytes: wasm.byteLength, hasNames: false });
    }
  });

  test("a module cut inside its code section names the section and where it starts", () => {
    const code = findSection(named, 10);
    const cut = named.slice(0, code.start + Math.floor(code.size / 2));
    expect(() => largestFunctions(cut)).toThrow(
      `malformed wasm module: code section at byte offset ${code.start}: ${code.size} bytes run past the end of the module`,
    );
  });

  test("every truncation either parses or throws the module's own error", () => {
    let thrown = 0;
    for (let length = 0; length < named.byteLength; length++) {
      try {
        largestFunctions(named.subarray(0, length));
      } catch (error) {
        thrown++;
        expect((error as Error).message).toMatch(/^malformed wasm module: .+ at byte offset \d+: /);
      }
    }
    // Most cuts land inside a section; only cuts between sections parse.
    expect(thrown).toBeGreaterThan(named.byteLength / 2);
  });
});

describe("largestFunctions on hand-assembled modules", () => {
  const functionType = section(1, [1, 0x60, 0, 0]);

  test("exact sizes with a two-byte size prefix, and the imports binaryen does not emit", () => {
    const imports = section(2, [
      ...u32(3),
      // memory64 with a maximum: u64 limits beyond 32 bits.
      ...str("env"), ...str("memory"), 0x02, 0x05, 0x80, 0x80, 0x80, 0x80, 0x20, 0x80, 0x80, 0x80, 0x80, 0x40,
      // an immutable global of type (ref null 0): a multi-byte value type.
      ...str("env"), ...str("g"), 0x03, 0x63, 0x00, 0x00,
      ...str("env"), ...str("f"), 0x00, 0x00,
    ]);
    const wasm = moduleOf(functionType, imports, section(3, [2, 0, 0]), section(10, [2, ...body(3), ...body(200)]), nameSection([[0, "f"], [1, "small"], [2, "big"]]));
    expect(largestFunctions(wasm)).toEqual({
      functions: [
        { name: "big", index: 2, size: 202 },
        { name: "small", index: 1, size: 4 },
      ],
      totalBytes: wasm.byteLength,
      hasNames: true,
    });
  });

  test("equal sizes sort by name", () => {
    const wasm = moduleOf(functionType, section(3, [3, 0, 0, 0]), section(10, [3, ...body(4), ...body(4), ...body(4)]), nameSection([[0, "b"], [1, "a"]]));
    expect(largestFunctions(wasm).functions.map((f) => f.name)).toEqual(["a", "b", "code[2]"]);
  });

  test.each([
    ["not wasm", new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), "magic number at byte offset 0: not a wasm module"],
    ["a component", new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]), "version at byte offset 4: not a version 1 core module"],
    ["too short", new Uint8Array([0x00, 0x61, 0x73]), "module header at byte offset 0: 8 bytes run past the end of the module"],
    ["a section size over 32 bits", moduleOf([10, 0x80, 0x80, 0x80, 0x80, 0x10]), "code section size at byte offset 9: LEB128 value does not fit in 32 bits"],
    ["an unknown import kind", moduleOf(section(2, [1, ...str("m"), ...str("x"), 0x07])), "import 0 kind at byte offset 15: unsupported import kind 0x7"],
    ["an unknown value type", moduleOf(section(2, [1, ...str("m"), ...str("x"), 0x03, 0x40, 0])), "import 0 global type at byte offset 16: unsupported value type 0x40"],
    ["unknown limits flags", moduleOf(section(2, [1, ...str("m"), ...str("x"), 0x02, 0x10, 0])), "import 0 memory limits flags at byte offset 16: unsupported limits flags 0x10"],
    ["a body past its section", moduleOf(section(10, [1, 5, 0, 0x0b])), "code[0] body at byte offset 12: 5 bytes run past the end of the code section"],
    ["a section longer than its content", moduleOf(section(10, [1, ...body(2), 0x00])), "the code section at byte offset 14: 1 unread bytes at its end"],
    ["a name that is not UTF-8", moduleOf(section(0, [...str("name"), 1, 4, 1, 0, 1, 0xff])), "name of function 0 at byte offset 19: invalid UTF-8"],
  ])("throws on %s", (_, wasm, message) => {
    expect(() => largestFunctions(wasm)).toThrow(`malformed wasm module: ${message}`);
  });
});

test("formatFunctionTable prints size, share of the module and name", () => {
  const lines = formatFunctionTable({
    functions: [
      { name: "dlmalloc::Dlmalloc::malloc", index: 40, size: 12595 },
      { name: "code[3]", index: 5, size: 812 },
    ],
    totalBytes: 46474,
    hasNames: true,
  });
  expect(lines).toEqual(["  12.3 KiB   27.1%  dlmalloc::Dlmalloc::malloc", "     812 B    1.7%  code[3]"]);
});
