import { hasBytes, moduleSections, readImports, Reader } from "../wasm-binary/reader.ts";

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

// Compared as bytes, so other custom sections' names need not be valid UTF-8.
const NAME = [0x6e, 0x61, 0x6d, 0x65]; // "name"
const SECTION_IMPORT = 2;
const SECTION_CODE = 10;
const NAME_SUBSECTION_FUNCTIONS = 1;

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
  let importedFunctions = 0;
  let sizes: number[] = [];
  const names = new Map<number, string>();
  for (const { id, reader: section } of moduleSections(wasm)) {
    if (id === SECTION_IMPORT) importedFunctions = readImports(section).functionCount;
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
