import { moduleSections, readImports, readRefType, skipLimits } from "../wasm-binary/reader.ts";

const SECTION_IMPORT = 2;
const SECTION_TABLE = 4;
const SECTION_EXPORT = 7;
const KIND_NAMES = ["function", "table", "memory", "global", "tag"];

/**
 * What each export of a module is: "function", "memory", "global", "tag", or for a
 * table "table of <element type>". Tables need their element type: an optimizer that
 * re-points wasm-bindgen's externref table export at the function table keeps the
 * export's name and kind and breaks the glue all the same (binaryen#4711).
 */
export function exportTypes(wasm: Uint8Array): Map<string, string> {
  const tables: string[] = [];
  const exports = new Map<string, string>();
  for (const { id, reader } of moduleSections(wasm)) {
    if (id === SECTION_IMPORT) tables.push(...readImports(reader).tableTypes);
    else if (id === SECTION_TABLE) {
      const count = reader.u32("table count");
      for (let i = 0; i < count; i++) {
        if (reader.bytes[reader.pos] === 0x40) reader.fail(`table ${i}`, "tables with an initializer are not supported");
        tables.push(readRefType(reader, `table ${i} element type`));
        skipLimits(reader, `table ${i} limits`);
      }
    } else if (id === SECTION_EXPORT) {
      const count = reader.u32("export count");
      for (let i = 0; i < count; i++) {
        const name = reader.string(`export ${i} name`);
        const kind = reader.byte(`export ${i} kind`);
        const index = reader.u32(`export ${i} index`);
        const kindName = KIND_NAMES[kind] ?? `kind 0x${kind.toString(16)}`;
        exports.set(name, kind === 1 ? `table of ${tables[index] ?? "unknown"}` : kindName);
      }
    }
  }
  return exports;
}

/** Exports whose type differs between `before` and `after`, as readable lines. */
export function changedExportTypes(before: Map<string, string>, after: Map<string, string>, names: Iterable<string>): string[] {
  const changes: string[] = [];
  for (const name of names) {
    const was = before.get(name);
    const now = after.get(name);
    if (was !== undefined && now !== undefined && was !== now) changes.push(`${name} was a ${was} and is now a ${now}`);
  }
  return changes;
}
