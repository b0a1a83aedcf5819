import { expect, test } from "vitest";
import { withCustomSection, withExternalDebugInfo, withoutDwarf } from "../../src/wasm-binary/custom-section.ts";
import { moduleOf, section, str, u32, vec } from "../helpers/wasm-bytes.ts";

// Dev wasm points at its DWARF in a file of its own (wasm-bindgen/debug-info.ts): these
// write and drop the custom sections that takes, checked against the engine's own reading.
const custom = (name: string, payload: number[]) => section(0, [...str(name), ...payload]);
// One function type `() -> ()`, one function, exported as "f", an empty body.
const TYPE = section(1, vec([[0x60, 0, 0]]));
const FUNCTION = section(3, vec([[0]]));
const EXPORT = section(7, vec([[...str("f"), 0, 0]]));
const CODE = section(10, vec([[2, 0, 0x0b]]));
const sectionsOf = (wasm: Uint8Array) => {
  const module = new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>);
  return { exports: WebAssembly.Module.exports(module).map((e) => e.name), debugInfo: WebAssembly.Module.customSections(module, ".debug_info") };
};

test("withoutDwarf drops the .debug_* sections and keeps every other byte, in order", () => {
  const name = custom("name", [1, ...u32(4), ...vec([[0, ...str("f")]])]);
  const wasm = moduleOf(TYPE, custom(".debug_info", [1, 2, 3]), FUNCTION, EXPORT, custom(".debug_line", new Array(300).fill(7)), CODE, name);
  const stripped = withoutDwarf(wasm);
  expect([...stripped]).toEqual([...moduleOf(TYPE, FUNCTION, EXPORT, CODE, name)]);
  expect(sectionsOf(stripped)).toEqual({ exports: ["f"], debugInfo: [] });
  expect(sectionsOf(wasm).debugInfo).toHaveLength(1);
  // Nothing to drop: the same bytes.
  expect([...withoutDwarf(stripped)]).toEqual([...stripped]);
});

test("withExternalDebugInfo appends the URL as the engine reads a custom section, leaving the input alone", () => {
  const wasm = moduleOf(TYPE, FUNCTION, EXPORT, CODE);
  const url = "crate-0123abcd-" + "f".repeat(16) + ".debug.wasm";
  const pointed = withExternalDebugInfo(wasm, url);
  const [payload] = WebAssembly.Module.customSections(new WebAssembly.Module(pointed as Uint8Array<ArrayBuffer>), "external_debug_info");
  expect([...new Uint8Array(payload!)]).toEqual(str(url));
  expect(sectionsOf(pointed).exports).toEqual(["f"]);
  expect(wasm.byteLength).toBe(moduleOf(TYPE, FUNCTION, EXPORT, CODE).byteLength);
  // A payload of 128 bytes or more takes a two-byte size.
  const long = withCustomSection(wasm, "x", new Array(200).fill(1));
  expect(WebAssembly.Module.customSections(new WebAssembly.Module(long as Uint8Array<ArrayBuffer>), "x")[0]!.byteLength).toBe(200);
});
