// Hand-assembling wasm modules in unit tests: exact bytes, for encodings and mistakes
// no toolchain emits.

/** An unsigned LEB128 number. */
export const u32 = (value: number): number[] => {
  const bytes: number[] = [];
  do {
    const byte = value & 0x7f;
    value >>>= 7;
    bytes.push(value ? byte | 0x80 : byte);
  } while (value);
  return bytes;
};

/** A name: its UTF-8 byte length, then the bytes. */
export const str = (text: string): number[] => {
  const utf8 = new TextEncoder().encode(text);
  return [...u32(utf8.length), ...utf8];
};

/** A vector: its length, then its items. */
export const vec = (items: number[][]): number[] => [...u32(items.length), ...items.flat()];

/** A section: its id, its size, its payload. */
export const section = (id: number, payload: number[]): number[] => [id, ...u32(payload.length), ...payload];

/** A module of these sections. */
export const moduleOf = (...sections: number[][]): Uint8Array<ArrayBuffer> =>
  new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...sections.flat()]);
