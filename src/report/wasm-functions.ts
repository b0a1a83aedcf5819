/** One function body of a wasm module's code section. */
export interface WasmFunctionSize {
  /**
   * From the `name` section, or `code[<i>]` (its position in the code section, as
   * twiggy names them) when the module carries no name for it.
   */
  name: string;
  /** Its function index: imported functions come first, so this is imports + i. */
  index: number;
  /** Bytes of the body in the code section, counting the body's own size prefix. */
  size: number;
}

/** What {@link largestFunctions} found. */
export interface WasmFunctionReport {
  /** The largest function bodies, largest first; ties in name order. */
  functions: WasmFunctionSize[];
  /** The whole module's byte length, to print each function's share against. */
  totalBytes: number;
  /** Whether the `name` section named any defined function (a stripped module has none). */
  hasNames: boolean;
}

const decoder = new TextDecoder("utf-8", { fatal: true });
const MAGIC = [0x00, 0x61, 0x73, 0x6d]; // "\0asm"
const VERSION = [0x01, 0x00, 0x00, 0x00];
// Compared as bytes, so other custom sections' names need not be valid UTF-8.
const NAME = [0x6e, 0x61, 0x6d, 0x65]; // "name"
const SECTION_IMPORT = 2;
const SECTION_CODE = 10;
const SECTION_NAMES: Record<number, string> = { 0: "custom section", 2: "import section", 10: "code section" };
const NAME_SUBSECTION_FUNCTIONS = 1;

function hasBytes(bytes: Uint8Array, at: number, expected: readonly number[]): boolean {
  return expected.every((byte, i) => bytes[at + i] === byte);
}

/** A cursor over `bytes[pos..end)` that throws, with the byte offset, instead of reading past `end`. */
class Reader {
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
function skipValType(reader: Reader, what: string): void {
  const at = reader.pos;
  const type = reader.byte(what);
  if (type === 0x63 || type === 0x64) return reader.skipLeb(`${what} heap type`, 5);
  // i32..v128 (0x7f..0x7b) and the one-byte reference types (funcref 0x70, externref 0x6f, GC's 0x69..0x74).
  if ((type >= 0x7b && type <= 0x7f) || (type >= 0x69 && type <= 0x74)) return;
  reader.fail(what, `unsupported value type 0x${type.toString(16)}`, at);
}

/** Skips table or memory limits; flags: 0x01 has max, 0x02 shared, 0x04 64-bit, 0x08 custom page size. */
function skipLimits(reader: Reader, what: string): void {
  const at = reader.pos;
  const flags = reader.byte(`${what} flags`);
  if (flags & ~0x0f) reader.fail(`${what} flags`, `unsupported limits flags 0x${flags.toString(16)}`, at);
  const skipBound = (bound: string) => (flags & 0x04 ? reader.skipLeb(bound, 10) : reader.u32(bound));
  skipBound(`${what} minimum`);
  if (flags & 0x01) skipBound(`${what} maximum`);
  if (flags & 0x08) reader.u32(`${what} page size`);
}

/** How many of the imports are functions: they take the first function indices. */
function countFunctionImports(section: Reader): number {
  let functions = 0;
  const count = section.u32("import count");
  for (let i = 0; i < count; i++) {
    section.vec(`import ${i} module name`);
    section.vec(`import ${i} field name`);
    const at = section.pos;
    const kind = section.byte(`import ${i} kind`);
    if (kind === 0x00) {
      section.u32(`import ${i} type index`);
      functions++;
    } else if (kind === 0x01) {
      skipValType(section, `import ${i} table element type`);
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
  return functions;
}

/** The byte size of each body, size prefix included, in code section order. */
function bodySizes(section: Reader): number[] {
  const count = section.u32("code section count");
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = section.pos;
    section.skip(section.u32(`code[${i}] body size`), `code[${i}] body`);
    sizes.push(section.pos - start);
  }
  section.done();
  return sizes;
}

/** Function names by function index, from the `name` section's subsection 1. */
function functionNames(section: Reader, names: Map<number, string>): void {
  while (section.pos < section.end) {
    const id = section.byte("name subsection id");
    const subsection = section.sub(section.u32("name subsection size"), `name subsection ${id}`, `name subsection ${id}`);
    if (id !== NAME_SUBSECTION_FUNCTIONS) continue;
    const count = subsection.u32("function name count");
    for (let i = 0; i < count; i++) {
      const index = subsection.u32("function name index");
      names.set(index, subsection.string(`name of function ${index}`));
    }
    subsection.done();
  }
}

/**
 * The largest function bodies of a wasm module, like `twiggy top`: each body's size in
 * the code section (its size prefix included, so the sizes plus the body count's LEB
 * add up to the code section), named from the `name` section. Reads only the import,
 * code and `name` sections; throws an Error naming the byte offset when the module
 * (or its `name` section) is truncated or malformed, or uses an import encoding this
 * reader does not know.
 *
 * @param count how many functions to return; `Infinity` for all.
 */
export function largestFunctions(wasm: Uint8Array, count = 20): WasmFunctionReport {
  const reader = new Reader(wasm, 0, wasm.byteLength, "module");
  reader.skip(8, "module header");
  if (!hasBytes(wasm, 0, MAGIC)) reader.fail("magic number", "not a wasm module", 0);
  // A component (version 0x0d, layer 1) holds core modules rather than being one.
  if (!hasBytes(wasm, 4, VERSION)) reader.fail("version", "not a version 1 core module", 4);

  let importedFunctions = 0;
  let sizes: number[] = [];
  const names = new Map<number, string>();
  while (reader.pos < reader.end) {
    const id = reader.byte("section id");
    const scope = SECTION_NAMES[id] ?? `section ${id}`;
    const section = reader.sub(reader.u32(`${scope} size`), scope, scope);
    if (id === SECTION_IMPORT) importedFunctions = countFunctionImports(section);
    else if (id === SECTION_CODE) sizes = bodySizes(section);
    else if (id === 0) {
      const sectionName = section.vec("custom section name");
      if (sectionName.length === NAME.length && hasBytes(sectionName, 0, NAME)) {
        functionNames(new Reader(wasm, section.pos, section.end, "name section"), names);
      }
    }
  }

  let hasNames = false;
  const functions = sizes.map((size, i): WasmFunctionSize => {
    const index = importedFunctions + i;
    const name = names.get(index);
    if (name !== undefined) hasNames = true;
    return { name: name ?? `code[${i}]`, index, size };
  });
  // Plain comparisons rather than localeCompare: the order must not depend on the locale.
  functions.sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : a.index - b.index));
  return { functions: functions.slice(0, count), totalBytes: wasm.byteLength, hasNames };
}

/** Bytes below 1 KiB, else KiB with one decimal: "0.0 KiB" would tell nothing. */
export function formatBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/**
 * One line per function of the report: size (bytes below 1 KiB, else KiB with one
 * decimal), share of the whole module, name; e.g. `  12.3 KiB  27.1%  name`.
 */
export function formatFunctionTable(report: WasmFunctionReport): string[] {
  return report.functions.map(({ name, size }) => {
    const share = `${((size / report.totalBytes) * 100).toFixed(1)}%`;
    return `${formatBytes(size).padStart(10)}  ${share.padStart(6)}  ${name}`;
  });
}
