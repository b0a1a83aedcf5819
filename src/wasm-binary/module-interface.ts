import { moduleSections, type Reader, skipValType } from "./reader.ts";

/**
 * A value type as JavaScript sees it. `funcref` and `externref` include their long
 * forms `(ref null func)` / `(ref null extern)`; every other reference type (GC's
 * `anyref`, `(ref $t)`, non-null `(ref func)`, `exnref`…) is `"ref"`.
 */
export type ValType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref" | "ref";

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

/** Sizes are in pages, as in the binary; `address` is "i64" for memory64. */
export interface MemoryType {
  minimum: number;
  maximum?: number;
  shared: boolean;
  address: "i32" | "i64";
}

export interface TableType {
  element: ValType;
  minimum: number;
  maximum?: number;
  address: "i32" | "i64";
}

export interface GlobalType {
  valueType: ValType;
  mutable: boolean;
}

/** What an import or export is; a tag's type is the function type of its payload (no results). */
export type ExternType =
  | { kind: "function"; type: FuncType }
  | { kind: "table"; type: TableType }
  | { kind: "memory"; type: MemoryType }
  | { kind: "global"; type: GlobalType }
  | { kind: "tag"; type: FuncType };

export type ModuleImport = ExternType & { module: string; name: string };
export type ModuleExport = ExternType & { name: string };

/** A core module's imports and exports, in binary order, with their types. */
export interface ModuleInterface {
  imports: ModuleImport[];
  exports: ModuleExport[];
}

/**
 * The entries of an index space, read up to the first one this reader cannot decode
 * (a type form from a newer proposal, a constant expression it does not know). Such
 * an entry ends the reading, since its size is unknown, but is only an error when an
 * import or export needs it or one after it: the module may be fine for JavaScript.
 */
interface IndexSpace<T> {
  entries: T[];
  unreadable?: string;
}

const SECTION_TYPE = 1;
const SECTION_IMPORT = 2;
const SECTION_FUNCTION = 3;
const SECTION_TABLE = 4;
const SECTION_MEMORY = 5;
const SECTION_GLOBAL = 6;
const SECTION_EXPORT = 7;
const SECTION_TAG = 13;
const KINDS = ["function", "table", "memory", "global", "tag"] as const;

/** A value type, checked and stepped over by the shared reader. */
function readValType(reader: Reader, what: string): ValType {
  const at = reader.pos;
  const type = reader.bytes[at];
  const heap = reader.bytes[at + 1];
  // A shared heap type's 0x65 prefix would pass for a one-byte heap type and misalign what follows.
  if ((type === 0x63 || type === 0x64) && heap === 0x65) reader.fail(what, "shared reference types are not supported", at);
  skipValType(reader, what);
  switch (type) {
    case 0x7f: return "i32";
    case 0x7e: return "i64";
    case 0x7d: return "f32";
    case 0x7c: return "f64";
    case 0x7b: return "v128";
    case 0x70: return "funcref";
    case 0x6f: return "externref";
    case 0x63: return heap === 0x70 ? "funcref" : heap === 0x6f ? "externref" : "ref";
    default: return "ref";
  }
}

function readValTypes(reader: Reader, what: string): ValType[] {
  const count = reader.u32(`${what} count`);
  return Array.from({ length: count }, (_, i) => readValType(reader, `${what} ${i}`));
}

/** An unsigned LEB128 of up to 64 bits, as a number: memory64 limits, which never need more than 53. */
function u64(reader: Reader, what: string): number {
  const start = reader.pos;
  let value = 0;
  for (let i = 0; i < 10; i++) {
    const byte = reader.byte(what);
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) {
      if (!Number.isSafeInteger(value)) reader.fail(what, "value is too large", start);
      return value;
    }
  }
  return reader.fail(what, "LEB128 value does not fit in 64 bits", start);
}

/** Limits; flags: 0x01 has max, 0x02 shared, 0x04 64-bit, 0x08 custom page size. */
function readLimits(reader: Reader, what: string): MemoryType {
  const at = reader.pos;
  const flags = reader.byte(`${what} flags`);
  if (flags & ~0x0f) reader.fail(`${what} flags`, `unsupported limits flags 0x${flags.toString(16)}`, at);
  const bound = (name: string) => (flags & 0x04 ? u64(reader, `${what} ${name}`) : reader.u32(`${what} ${name}`));
  const limits: MemoryType = { minimum: bound("minimum"), shared: (flags & 0x02) !== 0, address: flags & 0x04 ? "i64" : "i32" };
  if (flags & 0x01) limits.maximum = bound("maximum");
  if (flags & 0x08) reader.u32(`${what} page size`);
  return limits;
}

function readTableType(reader: Reader, what: string): TableType {
  const element = readValType(reader, `${what} element type`);
  const { minimum, maximum, address } = readLimits(reader, `${what} limits`);
  return maximum === undefined ? { element, minimum, address } : { element, minimum, maximum, address };
}

function readGlobalType(reader: Reader, what: string): GlobalType {
  const valueType = readValType(reader, `${what} type`);
  const at = reader.pos;
  const mutability = reader.byte(`${what} mutability`);
  if (mutability > 1) reader.fail(`${what} mutability`, `unsupported mutability 0x${mutability.toString(16)}`, at);
  return { valueType, mutable: mutability === 1 };
}

/** Steps over a constant expression: the MVP's, extended-const's and GC's allocating instructions. */
function skipConstExpr(reader: Reader, what: string): void {
  for (;;) {
    const at = reader.pos;
    const op = reader.byte(`${what} instruction`);
    if (op === 0x0b) return;
    if (op === 0x41) reader.skipLeb(what, 5); // i32.const
    else if (op === 0x42) reader.skipLeb(what, 10); // i64.const
    else if (op === 0x43) reader.skip(4, what); // f32.const
    else if (op === 0x44) reader.skip(8, what); // f64.const
    else if (op === 0x23 || op === 0xd2) reader.u32(what); // global.get, ref.func
    else if (op === 0xd0) reader.skipLeb(`${what} heap type`, 5); // ref.null
    else if ([0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e].includes(op)) continue; // i32/i64 add, sub, mul
    else if (op === 0xfd && reader.u32(what) === 12) reader.skip(16, what); // v128.const
    else if (op === 0xfb) {
      const sub = reader.u32(what);
      if ([0, 1, 6, 7].includes(sub)) reader.u32(what); // struct.new(_default), array.new(_default)
      else if (sub === 8) (reader.u32(what), reader.u32(what)); // array.new_fixed
      else if (![26, 27, 28].includes(sub)) reader.fail(what, `unsupported instruction 0xfb ${sub} in a constant expression`, at);
    } else reader.fail(what, `unsupported instruction 0x${op.toString(16)} in a constant expression`, at);
  }
}

/** A composite type: a function type, or a note of what else it is (GC's structs and arrays). */
function readCompositeType(reader: Reader, what: string): FuncType | string {
  const at = reader.pos;
  const form = reader.byte(`${what} form`);
  const skipField = (field: string) => {
    const storage = reader.bytes[reader.pos];
    if (storage === 0x78 || storage === 0x77) reader.byte(field); // packed i8, i16
    else skipValType(reader, field);
    reader.byte(`${field} mutability`);
  };
  if (form === 0x60) return { params: readValTypes(reader, `${what} parameter`), results: readValTypes(reader, `${what} result`) };
  if (form === 0x5f) {
    const count = reader.u32(`${what} field count`);
    for (let i = 0; i < count; i++) skipField(`${what} field ${i}`);
    return "a struct type";
  }
  if (form === 0x5e) return (skipField(`${what} element`), "an array type");
  if (form === 0x5d) return (reader.u32(`${what} function type`), "a continuation type");
  return reader.fail(what, `unsupported type form 0x${form.toString(16)}`, at);
}

/** The type section, flattened as the type index space is: each recursion group adds its members. */
function readTypes(section: Reader): IndexSpace<FuncType | string> {
  const types: IndexSpace<FuncType | string> = { entries: [] };
  const count = section.u32("type count");
  const subtype = () => {
    const what = `type ${types.entries.length}`;
    const prefix = section.bytes[section.pos];
    if (prefix === 0x50 || prefix === 0x4f) {
      section.byte(`${what} subtype prefix`);
      const supertypes = section.u32(`${what} supertype count`);
      for (let i = 0; i < supertypes; i++) section.u32(`${what} supertype`);
    }
    types.entries.push(readCompositeType(section, what));
  };
  untilUnreadable(section, types, () => {
    for (let i = 0; i < count; i++) {
      if (section.bytes[section.pos] !== 0x4e) subtype();
      else {
        section.byte("recursion group");
        const size = section.u32("recursion group size");
        for (let j = 0; j < size; j++) subtype();
      }
    }
  });
  return types;
}

/** Runs `read` over a section's entries; what it throws marks the rest of `space` unreadable. */
function untilUnreadable(section: Reader, space: IndexSpace<unknown>, read: () => void): void {
  try {
    read();
    section.done();
  } catch (error) {
    space.unreadable = (error as Error).message;
  }
}

/** Reads a section of `count` entries onto `space` (after the imports of its kind), stopping at the first unreadable one. */
function readEntries<T>(section: Reader, space: IndexSpace<T>, noun: string, entry: (what: string) => T): void {
  const count = section.u32(`${noun} count`);
  untilUnreadable(section, space, () => {
    for (let i = 0; i < count; i++) space.entries.push(entry(`${noun} ${space.entries.length}`));
  });
}

/** The index spaces imports and exports refer to; functions and tags hold type indices. */
interface IndexSpaces {
  types: IndexSpace<FuncType | string>;
  functions: IndexSpace<number>;
  tables: IndexSpace<TableType>;
  memories: IndexSpace<MemoryType>;
  globals: IndexSpace<GlobalType>;
  tags: IndexSpace<number>;
}

function lookup<T>(space: IndexSpace<T>, index: number, noun: string, user: string): T {
  const entry = space.entries[index];
  if (entry !== undefined) return entry;
  if (space.unreadable !== undefined) {
    throw new Error(`unsupported wasm module: ${user} needs ${noun} ${index}, which could not be read: ${space.unreadable}`);
  }
  throw new Error(`malformed wasm module: ${user} refers to ${noun} ${index}, but the module has ${space.entries.length}`);
}

function funcType(types: IndexSpaces["types"], index: number, user: string): FuncType {
  const type = lookup(types, index, "type", user);
  if (typeof type === "string") throw new Error(`malformed wasm module: ${user} has type ${index}, ${type}, not a function type`);
  return type;
}

function externType(kind: ExternType["kind"], index: number, spaces: IndexSpaces, user: string): ExternType {
  switch (kind) {
    case "function": return { kind, type: funcType(spaces.types, lookup(spaces.functions, index, "function", user), user) };
    case "table": return { kind, type: lookup(spaces.tables, index, "table", user) };
    case "memory": return { kind, type: lookup(spaces.memories, index, "memory", user) };
    case "global": return { kind, type: lookup(spaces.globals, index, "global", user) };
    case "tag": return { kind, type: funcType(spaces.types, lookup(spaces.tags, index, "tag", user), user) };
  }
}

function readKind(reader: Reader, what: string): ExternType["kind"] {
  const at = reader.pos;
  const kind = reader.byte(what);
  return KINDS[kind] ?? reader.fail(what, `unsupported kind 0x${kind.toString(16)}`, at);
}

/** The import section; each import also takes the next index of its kind. */
function readImportSection(reader: Reader, spaces: IndexSpaces): ModuleImport[] {
  const imports: ModuleImport[] = [];
  const count = reader.u32("import count");
  for (let i = 0; i < count; i++) {
    const module = reader.string(`import ${i} module name`);
    const name = reader.string(`import ${i} field name`);
    const what = `import ${i}`;
    const kind = readKind(reader, `${what} kind`);
    let index: number;
    if (kind === "function") index = spaces.functions.entries.push(reader.u32(`${what} type index`)) - 1;
    else if (kind === "table") index = spaces.tables.entries.push(readTableType(reader, `${what} table`)) - 1;
    else if (kind === "memory") index = spaces.memories.entries.push(readLimits(reader, `${what} memory limits`)) - 1;
    else if (kind === "global") index = spaces.globals.entries.push(readGlobalType(reader, `${what} global`)) - 1;
    else {
      reader.byte(`${what} tag attribute`);
      index = spaces.tags.entries.push(reader.u32(`${what} tag type index`)) - 1;
    }
    imports.push({ module, name, ...externType(kind, index, spaces, `import "${module}" "${name}"`) });
  }
  reader.done();
  return imports;
}

function readExportSection(reader: Reader, spaces: IndexSpaces): ModuleExport[] {
  const exports: ModuleExport[] = [];
  const count = reader.u32("export count");
  for (let i = 0; i < count; i++) {
    const name = reader.string(`export ${i} name`);
    const kind = readKind(reader, `export ${i} kind`);
    const index = reader.u32(`export ${i} index`);
    exports.push({ name, ...externType(kind, index, spaces, `export "${name}" (${kind} ${index})`) });
  }
  reader.done();
  return exports;
}

/**
 * The imports and exports of a core wasm module, with their types, as JavaScript sees
 * them: what `WebAssembly.Module.imports`/`exports` list, plus each one's signature,
 * limits or value type. Throws an Error naming the byte offset when the module is
 * truncated or malformed; a type, table or global this reader cannot decode (a newer
 * proposal's encoding) is an error only when an import or export needs it.
 */
export function readModuleInterface(bytes: Uint8Array): ModuleInterface {
  const spaces: IndexSpaces = {
    types: { entries: [] },
    functions: { entries: [] },
    tables: { entries: [] },
    memories: { entries: [] },
    globals: { entries: [] },
    tags: { entries: [] },
  };
  let imports: ModuleImport[] = [];
  let exports: ModuleExport[] = [];
  // Valid modules order their sections so that everything an import or export refers
  // to is read before it: types, imports, functions, tables, memories, tags, globals, exports.
  for (const { id, reader } of moduleSections(bytes)) {
    if (id === SECTION_TYPE) spaces.types = readTypes(reader);
    else if (id === SECTION_IMPORT) imports = readImportSection(reader, spaces);
    else if (id === SECTION_FUNCTION) readEntries(reader, spaces.functions, "function", (what) => reader.u32(`${what} type index`));
    else if (id === SECTION_TABLE) {
      readEntries(reader, spaces.tables, "table", (what) => {
        // A table with an initializer: 0x40 0x00, its type, then a constant expression.
        const withInit = reader.bytes[reader.pos] === 0x40;
        if (withInit) reader.skip(2, `${what} prefix`);
        const type = readTableType(reader, what);
        if (withInit) skipConstExpr(reader, `${what} initializer`);
        return type;
      });
    } else if (id === SECTION_MEMORY) readEntries(reader, spaces.memories, "memory", (what) => readLimits(reader, `${what} limits`));
    else if (id === SECTION_GLOBAL) {
      readEntries(reader, spaces.globals, "global", (what) => {
        const type = readGlobalType(reader, what);
        skipConstExpr(reader, `${what} initializer`);
        return type;
      });
    } else if (id === SECTION_TAG) {
      readEntries(reader, spaces.tags, "tag", (what) => (reader.byte(`${what} attribute`), reader.u32(`${what} type index`)));
    } else if (id === SECTION_EXPORT) exports = readExportSection(reader, spaces);
  }
  return { imports, exports };
}
