import { bytesOf } from "../utils/bytes.ts";
import { moduleSections, Reader } from "./reader.ts";

/** Unsigned LEB128, as the wasm binary format writes sizes and lengths. */
function leb128(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

/** A wasm `name`/`string`: its UTF-8 length, then its bytes. */
function wasmString(text: string): number[] {
  const utf8 = new TextEncoder().encode(text);
  return [...leb128(utf8.byteLength), ...utf8];
}

/**
 * `wasm` with a custom section appended (custom sections may come anywhere, and
 * engines skip them). Returns a new array; `wasm` is not changed.
 */
export function withCustomSection(wasm: Uint8Array, name: string, payload: readonly number[]): Uint8Array {
  const content = [...wasmString(name), ...payload];
  const section = Uint8Array.from([0, ...leb128(content.length), ...content]);
  const result = new Uint8Array(wasm.byteLength + section.byteLength);
  result.set(wasm, 0);
  result.set(section, wasm.byteLength);
  return result;
}

/**
 * `wasm` pointing debuggers at its DWARF in another file: an `external_debug_info`
 * section holding the file's URL, relative to the wasm's own (Emscripten's
 * `-gseparate-dwarf` convention, which Chrome's C/C++ DevTools extension follows).
 */
export function withExternalDebugInfo(wasm: Uint8Array, url: string): Uint8Array {
  return withCustomSection(wasm, "external_debug_info", wasmString(url));
}

/**
 * `wasm` without its DWARF (`.debug_*` custom sections): what wasm-bindgen keeps of a
 * module without `--keep-debug` anyway, at a fifteenth of the bytes to read. The other
 * sections are kept as they are, in order.
 */
export function withoutDwarf(wasm: Uint8Array): Uint8Array {
  const kept: Uint8Array[] = [wasm.subarray(0, 8)];
  let start = 8;
  for (const { id, reader } of moduleSections(wasm)) {
    const end = reader.end;
    const name = id === 0 ? new Reader(wasm, reader.pos, end, "custom section").string("custom section name") : "";
    if (!name.startsWith(".debug_")) kept.push(wasm.subarray(start, end));
    start = end;
  }
  return bytesOf(Buffer.concat(kept));
}
