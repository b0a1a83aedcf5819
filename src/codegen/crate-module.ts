import { RELEASE_EXPORT } from "./glue-release.ts";
import { hotUpdateCode, IDENTIFIER } from "./hot-update.ts";

/** How the crate module gets hold of its wasm. */
export type WasmSource =
  /** A URL the dev server answers (`vite dev`). */
  | { kind: "url"; url: string }
  /** An emitted asset, referenced through Rollup's file URL mechanism (build). */
  | { kind: "asset"; referenceId: string }
  /**
   * The bytes themselves, base64: the `inlineWasm` option, and Node bundles by default.
   * `node` decodes with Buffer (atob walks megabytes char by char).
   */
  | { kind: "inline"; base64: string; node?: boolean }
  /** A file read with node:fs (modules that run in Node under the dev server or Vitest). */
  | { kind: "file"; path: string }
  /**
   * A file emitted next to the bundle (server builds), read with node:fs relative to
   * the chunk's own `import.meta.url`. `placeholder` stands for the relative path until
   * the chunk's location is known (see plugins/load.ts, renderChunk).
   */
  | { kind: "bundled-file"; placeholder: string };

export { ERROR_CLEARED_EVENT, UPDATE_EVENT } from "./hot-update.ts";

/** What the dev server's hot-updatable variant of the module needs. */
export interface HotUpdate {
  /** The crate's package name, passed in the update event's `detail.crate`. */
  crate: string;
}

const RESERVED = new Set(["default", "await", "yield", "let", "static", "enum", "implements", "package", "protected", "interface", "private", "public"]);

/** A name as an export specifier: wasm-bindgen's `js_name` can be any string. */
export function exportSpecifier(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/**
 * The init functions every crate module exports besides the crate's own exports, as
 * wasm-pack's `--target web` output does: `import init, { greet } from "…"; await init();`
 * works unchanged. The wasm is instantiated by then, so they resolve to (return) its
 * raw exports at once: that is how such code reaches `memory`.
 */
const INIT_EXPORTS = [
  { exported: "default", local: "__wbg_init", member: "default" },
  { exported: "initSync", local: "__wbg_initSync", member: "initSync" },
] as const;

/**
 * The code of the module an app gets for `import … from "./crate/Cargo.toml"`: it
 * re-exports the crate's exports (`exports`, the glue's named exports minus its init
 * machinery) and the glue's init functions (see INIT_EXPORTS), and instantiates the
 * wasm before any importer runs (top-level await), so every export is ready to call
 * on import.
 *
 * With `hot` (the dev server), the exports are `let` bindings that the module's own
 * HMR handler reassigns from the rebuilt module: ES modules' live bindings make every
 * importer see the new functions without re-running, so app state survives.
 */
export function crateModuleCode(glueId: string, exports: string[], wasm: WasmSource, hot?: HotUpdate): string {
  const glue = JSON.stringify(glueId);
  const names = [...exports].sort();
  const initCall = `__wbg_init({ module_or_path: ${wasmExpression(wasm)} })`;
  const fsImport = wasmSourceImports(wasm);
  if (!hot || !names.every((name) => IDENTIFIER.test(name) && !RESERVED.has(name))) {
    const list = names.map(exportSpecifier);
    return [
      ...fsImport,
      `import __wbg_init from ${glue};`,
      `export { ${[...list, "default", "initSync"].join(", ")} } from ${glue};`,
      `await ${initCall};`,
      "",
    ].join("\n");
  }
  // Every export as a local binding the accept handler can reassign: the crate's
  // exports under their own names, the init functions under local ones.
  const bindings = [...names.map((name) => ({ exported: name, local: name, member: name })), ...INIT_EXPORTS];
  // A finished module keeps the value of its last top-level await (in V8, its generator's
  // registers) for as long as the page lives: await nothing, not the wasm's exports, so
  // a replaced build's instance can be collected once released (see glue-release.ts).
  const lines = [
    ...fsImport,
    `import * as __glue from ${glue};`,
    `let ${bindings.map((b) => `${b.local} = __glue.${b.member}`).join(", ")};`,
    `export { ${bindings.map((b) => (b.local === b.exported ? b.local : `${b.local} as ${b.exported}`)).join(", ")} };`,
    `await ${initCall}.then(() => undefined);`,
  ];
  lines.push(...hotUpdateCode({ bindings, crate: hot.crate, release: `__glue.${RELEASE_EXPORT}` }), "");
  return lines.join("\n");
}

const FS_IMPORT = 'import { readFile as __readFile } from "node:fs/promises";';

/** Node has no fetch for file paths: the bytes are read from disk and handed to init. */
export function readsFile(wasm: WasmSource): boolean {
  return wasm.kind === "file" || wasm.kind === "bundled-file";
}

/** The line that imports what {@link wasmExpression} needs, if anything. */
export function wasmSourceImports(wasm: WasmSource): string[] {
  return readsFile(wasm) ? [FS_IMPORT] : [];
}

/** An expression for what wasm-bindgen's init takes as `module_or_path`: a URL or the bytes. */
export function wasmExpression(wasm: WasmSource): string {
  switch (wasm.kind) {
    case "url":
      return JSON.stringify(wasm.url);
    case "asset":
      // Rollup and Vite replace this with the asset's final URL, honouring `base`
      // (relative bases become `new URL(…, import.meta.url)`).
      return `import.meta.ROLLUP_FILE_URL_${wasm.referenceId}`;
    case "inline":
      return wasm.node
        ? `Buffer.from(${JSON.stringify(wasm.base64)}, "base64")`
        : `Uint8Array.from(atob(${JSON.stringify(wasm.base64)}), (c) => c.charCodeAt(0))`;
    case "file":
      return `await __readFile(${JSON.stringify(wasm.path)})`;
    case "bundled-file":
      return `await __readFile(new URL(${JSON.stringify(wasm.placeholder)}, import.meta.url))`;
  }
}
