import type { ExternType, FuncType, GlobalType, ModuleInterface, ValType } from "../wasm-binary/module-interface.ts";

// Names a binding cannot have in module code (strict mode), though an export may.
const RESERVED = new Set(
  (
    "await break case catch class const continue debugger default delete do else enum export extends false finally " +
    "for function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "yield let static implements interface package private protected public arguments eval"
  ).split(" "),
);
const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;

/** A name a declaration can bind and export as is. */
function isBindable(name: string): boolean {
  return IDENTIFIER.test(name) && !RESERVED.has(name);
}

/** A property key: quoted unless a plain identifier (`new(…)` in an interface would be a construct signature). */
function key(name: string): string {
  return isBindable(name) ? name : JSON.stringify(name);
}

/** How a wasm signature reads in a comment: `(i32, i64) -> f64`, `() -> ()`, `(f32) -> (i32, i64)`. */
export function formatFuncType({ params, results }: FuncType): string {
  const out = results.length === 1 ? results[0] : `(${results.join(", ")})`;
  return `(${params.join(", ")}) -> ${out}`;
}

/** The TypeScript type of a wasm value crossing into or out of JavaScript. */
function jsType(type: ValType): string {
  switch (type) {
    case "i32":
    case "f32":
    case "f64":
      return "number";
    case "i64":
      return "bigint";
    case "funcref":
      // Only exported wasm functions (or null) pass into a funcref; JavaScript functions throw.
      return "Function | null";
    default:
      // externref is any value; GC references are opaque; v128 never gets here (see isCallable).
      return "unknown";
  }
}

/** v128 values cannot cross into JavaScript: calling such a function, either way, throws a TypeError. */
function isCallable({ params, results }: FuncType): boolean {
  return !params.includes("v128") && !results.includes("v128");
}

function signature({ params, results }: FuncType): { params: string; result: string } {
  const result = results.length === 0 ? "void" : results.length === 1 ? jsType(results[0]!) : `[${results.map(jsType).join(", ")}]`;
  return { params: params.map((type, i) => `a${i}: ${jsType(type)}`).join(", "), result };
}

/** `WebAssembly.Global<"i32">`: TypeScript's DOM lib types `.value` from the parameter. */
function globalType({ valueType }: GlobalType): string {
  const lib = valueType === "funcref" ? "anyfunc" : valueType;
  return lib === "ref" ? "WebAssembly.Global" : `WebAssembly.Global<"${lib}">`;
}

/** The comment above a declaration: what the wasm says it is. */
function doc(entry: ExternType): string {
  switch (entry.kind) {
    case "function": {
      const note = isCallable(entry.type) ? "" : ". Not callable from JavaScript: a v128 value cannot cross, so calls throw a TypeError";
      return `/** wasm: ${formatFuncType(entry.type)}${note} */`;
    }
    case "global":
      return `/** wasm: ${entry.type.mutable ? "mutable" : "immutable"} ${entry.type.valueType} global */`;
    case "memory":
      // Not the limits: they change with the crate's data, and the file is committed.
      return `/** wasm: ${entry.type.address === "i64" ? "64-bit " : ""}${entry.type.shared ? "shared " : ""}memory */`;
    case "table":
      return `/** wasm: table of ${entry.type.element} */`;
    case "tag":
      return `/** wasm: exception tag (${entry.type.params.join(", ")}); TypeScript's lib has no WebAssembly.Tag */`;
  }
}

/** The type of a non-function entry, or of a function that cannot be called. */
function valueType(entry: ExternType): string {
  switch (entry.kind) {
    case "global": return globalType(entry.type);
    case "memory": return "WebAssembly.Memory";
    case "table": return "WebAssembly.Table";
    default: return "unknown";
  }
}

/** An interface member: a method for a callable function, else a property of `type`. */
function member(name: string, entry: ExternType, type: string, indent: string, readonly = ""): [doc: string, member: string] {
  if (entry.kind === "function" && isCallable(entry.type)) {
    const { params, result } = signature(entry.type);
    return [`${indent}${doc(entry)}`, `${indent}${key(name)}(${params}): ${result};`];
  }
  return [`${indent}${doc(entry)}`, `${indent}${readonly}${key(name)}: ${type};`];
}

/** A declaration binding `local`, exported under it when `exported`. */
function declaration(local: string, entry: ExternType, exported: boolean): string[] {
  const prefix = exported ? "export declare" : "declare";
  if (entry.kind === "function" && isCallable(entry.type)) {
    const { params, result } = signature(entry.type);
    return [doc(entry), `${prefix} function ${local}(${params}): ${result};`];
  }
  return [doc(entry), `${prefix} const ${local}: ${valueType(entry)};`];
}

/** What JavaScript may give for an import that is not a callable function. */
function importValueType(entry: ExternType): string {
  // Any function links; the wasm's calls to it throw.
  if (entry.kind === "function") return "Function";
  if (entry.kind !== "global" || entry.type.mutable) return valueType(entry);
  // An immutable global may be given as a plain value, which the import wraps.
  if (entry.type.valueType === "i64") return `${globalType(entry.type)} | bigint`;
  if (["i32", "f32", "f64"].includes(entry.type.valueType)) return `${globalType(entry.type)} | number`;
  return valueType(entry);
}

function importsInterface(iface: ModuleInterface): string[] {
  if (iface.imports.length === 0) return ["/** The module imports nothing. */", "export type Imports = Record<string, never>;"];
  const lines = ["/** What `instantiate` needs: the wasm module's imports, by module and name. */", "export interface Imports {"];
  for (const module of new Set(iface.imports.map((entry) => entry.module))) {
    lines.push(`  ${key(module)}: {`);
    // Per name, whether more imports of it can be overloads of its method.
    const overloadable = new Map<string, boolean>();
    const written = new Set<string>();
    for (const entry of iface.imports.filter((candidate) => candidate.module === module)) {
      const callable = entry.kind === "function" && isCallable(entry.type);
      // A module may import one name twice: function types become overloads, which the
      // one JavaScript function given must satisfy; anything else would be a duplicate key.
      const seen = overloadable.get(entry.name);
      if (seen !== undefined && !(seen && callable)) {
        lines.push(`    // ${JSON.stringify(entry.name)} is imported again, as a ${entry.kind}: the first import's type is kept.`);
        continue;
      }
      overloadable.set(entry.name, callable);
      const [comment, line] = member(entry.name, entry, importValueType(entry), "    ");
      // The same function type imported twice is one overload.
      if (!written.has(line)) lines.push(comment, line);
      written.add(line);
    }
    lines.push("  };");
  }
  lines.push("}");
  return lines;
}

/**
 * The body of a declaration file for a module whose named exports are a wasm
 * module's exports (a crate without wasm-bindgen), typed from the wasm's own
 * signatures, and whose default export instantiates it, once, and resolves to its
 * exports: `instantiate(imports): Promise<Exports>` (see rawModuleCode).
 *
 * Export names that are identifiers are declared as they are (`export declare function
 * add(…)`); reserved words (`new`, `delete`) are declared under a local name and
 * exported with `export { _new as new }`, which every TypeScript version reads; other
 * strings (`"foo-bar"`) are exported as string names (`export { export3 as "foo-bar" }`,
 * ES2022, TypeScript 5.6+). A wasm export named `default` is in `Exports` only: the
 * module's default export is `instantiate`.
 */
export function rawModuleDeclarations(unsorted: ModuleInterface): string {
  // By name: wasm-ld orders exports and imports differently in dev and release builds,
  // and the file is committed and checked (dts: "check") against either.
  const key = (entry: { name: string; module?: string }) => `${entry.module ?? ""}\0${entry.name}`;
  // Stable: an import repeated under one name keeps its order (overloads).
  const byName = (a: { name: string; module?: string }, b: { name: string; module?: string }) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
  const iface = { imports: [...unsorted.imports].sort(byName), exports: [...unsorted.exports].sort(byName) };
  const direct = new Set(iface.exports.map((entry) => entry.name).filter(isBindable));
  // `instantiate` binds the default export's name.
  direct.delete("instantiate");
  const taken = new Set([...direct, "instantiate"]);
  const lines: string[] = [];
  const renamed: string[] = [];
  iface.exports.forEach((entry, i) => {
    if (direct.has(entry.name)) return lines.push(...declaration(entry.name, entry, true));
    if (entry.name === "default") {
      return lines.push("// The wasm export `default` is `Exports.default` only: this module's default export is `instantiate`.");
    }
    let local = IDENTIFIER.test(entry.name) ? `_${entry.name}` : `export${i}`;
    while (taken.has(local)) local = `_${local}`;
    taken.add(local);
    lines.push(...declaration(local, entry, false));
    renamed.push(`${local} as ${IDENTIFIER.test(entry.name) ? entry.name : JSON.stringify(entry.name)}`);
  });
  if (renamed.length > 0) lines.push(`export { ${renamed.join(", ")} };`);

  const exportsInterface = ["/** The wasm instance's exports. */", "export interface Exports {"];
  // An instance's exports object is frozen.
  for (const entry of iface.exports) exportsInterface.push(...member(entry.name, entry, valueType(entry), "  ", "readonly "));
  exportsInterface.push("}");

  const optional = iface.imports.length === 0 ? "?" : "";
  // Only the app has the imports, so the module cannot instantiate the wasm on import.
  const note = optional ? [] : ["// The named exports are set when `instantiate(imports)` first resolves: await it before using them.", ""];
  return [
    ...note,
    ...lines,
    "",
    ...importsInterface(iface),
    "",
    ...exportsInterface,
    "",
    "/** Resolves to the wasm instance's exports (the named exports' values), instantiating it on the first call only. */",
    `export default function instantiate(imports${optional}: Imports): Promise<Exports>;`,
    "",
  ].join("\n");
}
