import { pathToFileURL } from "node:url";
import { exportSpecifier, wasmExpression, wasmSourceImports, type WasmSource } from "./crate-module.ts";

/**
 * The queries a Cargo.toml import can carry, each giving a different module:
 * - `?init`: the crate instantiated on demand (see {@link initModuleCode});
 * - `?url`: the URL of the crate's wasm (see {@link urlModuleCode}).
 * Other queries are not ours (Vite's `?raw` reads the manifest as text).
 */
export type CrateQuery = "init" | "url";

export const CRATE_QUERIES: readonly CrateQuery[] = ["init", "url"];

/**
 * Queries that make an import some other plugin's business: Vite reads the manifest as
 * text (`?raw`), a data URL (`?inline`) or a worker. Any other query (Vite's `?t=`
 * timestamps, `?v=` versions) still means the crate module.
 */
const OTHER_PLUGINS_QUERIES = ["raw", "inline", "worker", "sharedworker", "worker_file"];

/** Is `id` (an import or module id) someone else's to load, by its query? */
export function isOtherPluginsQuery(id: string): boolean {
  const at = id.indexOf("?");
  if (at === -1) return false;
  const params = new URLSearchParams(id.slice(at + 1));
  return OTHER_PLUGINS_QUERIES.some((query) => params.has(query));
}

/** The query of an import or module id that this plugin handles, if any (`?init`, `?url`). */
export function crateQuery(id: string): CrateQuery | undefined {
  const at = id.indexOf("?");
  if (at === -1) return undefined;
  const params = new URLSearchParams(id.slice(at + 1));
  return CRATE_QUERIES.find((query) => params.has(query));
}

/**
 * `import init from "./crate/Cargo.toml?init"`: a module that instantiates nothing on
 * import. Its default export `init(options?)` instantiates the wasm on the first call
 * (later calls reuse that instance) and resolves to the crate's exports. `options` are
 * wasm-bindgen's init options: `module_or_path` (a URL, bytes, `Response` or a
 * precompiled `WebAssembly.Module`, say one a page posted to a worker) replaces the
 * crate's own wasm, and `memory` (threads) is passed on. A bare URL, bytes or Module
 * is taken as `module_or_path`. The crate's exports are also named exports, callable
 * once `init` has resolved.
 */
export function initModuleCode(glueId: string, exports: string[], wasm: WasmSource): string {
  const glue = JSON.stringify(glueId);
  const names = [...exports].sort();
  const members = names.map((name) => `${JSON.stringify(name)}: __glue[${JSON.stringify(name)}]`).join(", ");
  return [
    ...wasmSourceImports(wasm),
    `import * as __glue from ${glue};`,
    `export { ${names.map(exportSpecifier).join(", ")} } from ${glue};`,
    "export default async function init(options) {",
    // wasm-bindgen's options object; a bare URL, bytes or Module (its deprecated form)
    // is wrapped in one. Without `module_or_path`, the crate's own wasm.
    "  if (options == null || Object.getPrototypeOf(options) !== Object.prototype) options = { module_or_path: options ?? undefined };",
    `  if (options.module_or_path === undefined) options = { ...options, module_or_path: ${wasmExpression(wasm)} };`,
    "  await __glue.default(options);",
    `  return { ${members} };`,
    "}",
    "",
  ].join("\n");
}

/** `import url from "./crate/Cargo.toml?url"`: the URL of the crate's wasm, as the page would fetch it. */
export function urlModuleCode(wasm: WasmSource): string {
  return `export default ${wasmUrlExpression(wasm)};\n`;
}

function wasmUrlExpression(wasm: WasmSource): string {
  switch (wasm.kind) {
    case "url":
    case "asset":
      // What init fetches is a URL already.
      return wasmExpression(wasm);
    case "inline":
      return JSON.stringify(`data:application/wasm;base64,${wasm.base64}`);
    case "file":
      return JSON.stringify(pathToFileURL(wasm.path).href);
    case "bundled-file":
      return `new URL(${JSON.stringify(wasm.placeholder)}, import.meta.url).href`;
  }
}
