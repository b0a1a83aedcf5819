import { describe, expect, test } from "vitest";
import { changedExportTypes, exportTypes } from "../../src/validate/export-types.ts";
import { glueWasmReferences, validateWasm } from "../../src/validate/validate-wasm.ts";

// Hand-assembled modules: exact control over table order and export indices.
const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const section = (id: number, content: number[]) => [id, content.length, ...content];
const name = (text: string) => [text.length, ...Buffer.from(text)];
const FUNCREF = 0x70;
const EXTERNREF = 0x6f;

/** An imported funcref table, then defined funcref and externref tables; `externrefs` exports table `index`. */
function moduleExportingTable(index: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    ...HEADER,
    section(2, [1, ...name("env"), ...name("t"), 0x01, FUNCREF, 0x00, 0x01]).flat(),
    section(4, [2, FUNCREF, 0x01, 0x02, 0x02, EXTERNREF, 0x00, 0x80, 0x08]).flat(),
    section(5, [1, 0x00, 0x01]).flat(),
    section(7, [3, ...name("externrefs"), 0x01, index, ...name("memory"), 0x02, 0x00, ...name("imported"), 0x01, 0x00]).flat(),
  ].flat());
}

describe("exportTypes", () => {
  test("names each export's kind and, for tables, the element type, counting imported tables first", () => {
    const wasm = moduleExportingTable(2);
    expect(WebAssembly.validate(wasm)).toBe(true);
    expect(Object.fromEntries(exportTypes(wasm))).toEqual({
      externrefs: "table of externref",
      memory: "memory",
      imported: "table of funcref",
    });
  });

  test("a re-pointed table export shows up as a change, for the names asked about", () => {
    const before = exportTypes(moduleExportingTable(2));
    const after = exportTypes(moduleExportingTable(1));
    expect(changedExportTypes(before, after, ["externrefs", "memory"])).toEqual([
      "externrefs was a table of externref and is now a table of funcref",
    ]);
    expect(changedExportTypes(before, after, ["memory"])).toEqual([]);
  });

  test("the long form (ref null extern) is an externref table too", () => {
    const wasm = new Uint8Array([
      ...HEADER,
      ...section(4, [1, 0x63, EXTERNREF, 0x00, 0x01]),
      ...section(7, [1, ...name("t"), 0x01, 0x00]),
    ]);
    expect(exportTypes(wasm).get("t")).toBe("table of externref");
  });

  test("a truncated module is an error naming the offset", () => {
    expect(() => exportTypes(moduleExportingTable(2).slice(0, 30))).toThrow(/malformed wasm module: .* at byte offset \d+/);
  });
});

test("glueWasmReferences finds every wasm.<export> the glue uses", () => {
  const glue = "const ret = wasm.greet(ptr0, len0);\nwasm.__wbindgen_free(a, b, 1);\nwasm.__wbindgen_free(c, d, 1);\n" +
    "wasm.__wbindgen_externrefs.set(idx, obj); // wasmfoo.bar is not one";
  expect(glueWasmReferences(glue)).toEqual(["__wbindgen_externrefs", "__wbindgen_free", "greet"]);
});

describe("validateWasm after optimization", () => {
  const unoptimized = moduleExportingTable(2);
  const glue = "/** Calls wasm.notAnExport, as a doc comment might. */\nwasm.externrefs.grow(4); wasm.memory;";

  test("names only exports wasm-bindgen's module had: a doc comment is not an export", async () => {
    await expect(validateWasm(unoptimized, glue, "/c/Cargo.toml", { by: "wasm-opt 1", unoptimized })).resolves.toBeUndefined();
  });

  test("a re-pointed table fails with both types named", async () => {
    await expect(validateWasm(moduleExportingTable(1), glue, "/c/Cargo.toml", { by: "wasm-opt 1", unoptimized })).rejects.toThrow(
      "externrefs was a table of externref and is now a table of funcref",
    );
  });
});
