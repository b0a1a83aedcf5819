/**
 * A small reader of the WebAssembly binary format: enough to walk sections and skip
 * the types and limits they contain. Every read is bounds-checked and a failure names
 * the byte offset, so a truncated or unexpected module gives a clear error, never
 * garbage.
 */
const decoder = new TextDecoder("utf-8", { fatal: true });
const MAGIC = [0x00, 0x61, 0x73, 0x6d]; // "\0asm"
const VERSION = [0x01, 0x00, 0x00, 0x00];
const SECTION_NAMES: Record<number, string> = {
  0: "custom section",
  2: "import section",
  4: "table section",
  7: "export section",
  10: "code section",
};

export function hasBytes(bytes: Uint8Array, at: number, expected: readonly number[]): boolean {
  return expected.every((byte, i) => bytes[at + i] === byte);
}

/** A cursor over `bytes[pos..end)` that throws, with the byte offset, instead of reading past `end`. */
export class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
    readonly end: number,
    readonly scope: string,
  ) {}

  fail(what: string, reason: string, at = this.pos): never {
    throw new Error(`malformed wasm module: ${what} at byte offset ${at}: ${reason}`);
  }

  byte(what: string): number {
    if (this.pos >= this.end) this.fail(what, `unexpected end of the ${this.scope}`);
    return this.bytes[this.pos++]!;
  }

  u32(what: string): number {
    const start = this.pos;
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const byte = this.byte(what);
      // The fifth byte holds the top 4 bits and ends the number.
      if (i === 4 && byte > 0x0f) this.fail(what, "LEB128 value does not fit in 32 bits", start);
      value += (byte & 0x7f) * 2 ** (7 * i);
      if (byte < 0x80) return value;
    }
    return this.fail(what, "LEB128 value does not fit in 32 bits", start);
  }

  /** Skips a LEB128 number whose value is not needed (u64 limits, s33 heap types). */
  skipLeb(what: string, maxBytes: number): void {
    const start = this.pos;
    for (let i = 0; i < maxBytes; i++) if (this.byte(what) < 0x80) return;
    this.fail(what, `LEB128 value is longer than ${maxBytes} bytes`, start);
  }

  skip(size: number, what: string): void {
    if (size > this.end - this.pos) this.fail(what, `${size} bytes run past the end of the ${this.scope}`);
    this.pos += size;
  }

  /** A reader for the next `size` bytes, which this one then steps over. */
  sub(size: number, what: string, scope: string): Reader {
    const start = this.pos;
    this.skip(size, what);
    return new Reader(this.bytes, start, start + size, scope);
  }

  /** A length-prefixed byte string. */
  vec(what: string): Uint8Array {
    const size = this.u32(what);
    const start = this.pos;
    this.skip(size, what);
    return this.bytes.subarray(start, start + size);
  }

  string(what: string): string {
    const at = this.pos;
    const bytes = this.vec(what);
    try {
      return decoder.decode(bytes);
    } catch {
      return this.fail(what, "invalid UTF-8", at);
    }
  }

  /** Fails when a section's declared size is more than its content. */
  done(): void {
    if (this.pos !== this.end) this.fail(`the ${this.scope}`, `${this.end - this.pos} unread bytes at its end`);
  }
}

/** Skips a value type: one byte, or `ref`/`ref null` followed by a heap type. */
export function skipValType(reader: Reader, what: string): void {
  const at = reader.pos;
  const type = reader.byte(what);
  if (type === 0x63 || type === 0x64) return reader.skipLeb(`${what} heap type`, 5);
  // i32..v128 (0x7f..0x7b) and the one-byte reference types (funcref 0x70, externref 0x6f, GC's 0x69..0x74).
  if ((type >= 0x7b && type <= 0x7f) || (type >= 0x69 && type <= 0x74)) return;
  reader.fail(what, `unsupported value type 0x${type.toString(16)}`, at);
}

/** Skips table or memory limits; flags: 0x01 has max, 0x02 shared, 0x04 64-bit, 0x08 custom page size. */
export function skipLimits(reader: Reader, what: string): void {
  const at = reader.pos;
  const flags = reader.byte(`${what} flags`);
  if (flags & ~0x0f) reader.fail(`${what} flags`, `unsupported limits flags 0x${flags.toString(16)}`, at);
  const skipBound = (bound: string) => (flags & 0x04 ? reader.skipLeb(bound, 10) : reader.u32(bound));
  skipBound(`${what} minimum`);
  if (flags & 0x01) skipBound(`${what} maximum`);
  if (flags & 0x08) reader.u32(`${what} page size`);
}


/** One section of a module: its id and a reader over its content. */
export interface Section {
  id: number;
  reader: Reader;
}

/** The sections of a core wasm module, in order, after checking its header. */
export function moduleSections(wasm: Uint8Array): Section[] {
  const reader = new Reader(wasm, 0, wasm.byteLength, "module");
  reader.skip(8, "module header");
  if (!hasBytes(wasm, 0, MAGIC)) reader.fail("magic number", "not a wasm module", 0);
  // A component (version 0x0d, layer 1) holds core modules rather than being one.
  if (!hasBytes(wasm, 4, VERSION)) reader.fail("version", "not a version 1 core module", 4);
  const sections: Section[] = [];
  while (reader.pos < reader.end) {
    const id = reader.byte("section id");
    const scope = SECTION_NAMES[id] ?? `section ${id}`;
    sections.push({ id, reader: reader.sub(reader.u32(`${scope} size`), scope, scope) });
  }
  return sections;
}

/** A table's element type, by name: "funcref", "externref", "typed references". */
export function readRefType(reader: Reader, what: string): string {
  let type = reader.bytes[reader.pos];
  // `(ref null func)` / `(ref null extern)` in the long form are funcref / externref.
  if (type === 0x63 && (reader.bytes[reader.pos + 1] === 0x70 || reader.bytes[reader.pos + 1] === 0x6f)) {
    type = reader.bytes[reader.pos + 1];
  }
  skipValType(reader, what);
  if (type === 0x70) return "funcref";
  if (type === 0x6f) return "externref";
  return type === 0x63 || type === 0x64 ? "typed references" : `type 0x${type?.toString(16)}`;
}

/**
 * What the import section adds to the index spaces the other sections refer to:
 * imported functions and tables take the first indices of their kind.
 */
export function readImports(section: Reader): { functionCount: number; tableTypes: string[] } {
  let functionCount = 0;
  const tableTypes: string[] = [];
  const count = section.u32("import count");
  for (let i = 0; i < count; i++) {
    section.vec(`import ${i} module name`);
    section.vec(`import ${i} field name`);
    const at = section.pos;
    const kind = section.byte(`import ${i} kind`);
    if (kind === 0x00) {
      section.u32(`import ${i} type index`);
      functionCount++;
    } else if (kind === 0x01) {
      tableTypes.push(readRefType(section, `import ${i} table element type`));
      skipLimits(section, `import ${i} table limits`);
    } else if (kind === 0x02) {
      skipLimits(section, `import ${i} memory limits`);
    } else if (kind === 0x03) {
      skipValType(section, `import ${i} global type`);
      section.byte(`import ${i} global mutability`);
    } else if (kind === 0x04) {
      section.byte(`import ${i} tag attribute`);
      section.u32(`import ${i} tag type index`);
    } else {
      section.fail(`import ${i} kind`, `unsupported import kind 0x${kind.toString(16)}`, at);
    }
  }
  section.done();
  return { functionCount, tableTypes };
}
