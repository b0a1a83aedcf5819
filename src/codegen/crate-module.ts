/** How the crate module gets hold of its wasm. */
export type WasmSource =
  /** A URL the dev server answers (`vite dev`). */
  | { kind: "url"; url: string }
  /** An emitted asset, referenced through Rollup's file URL mechanism (build). */
  | { kind: "asset"; referenceId: string }
  /** The bytes themselves, base64 (the `inlineWasm` option). */
  | { kind: "inline"; base64: string };

/**
 * The code of the module an app gets for `import … from "./crate/Cargo.toml"`: it
 * re-exports the glue's named exports and instantiates the wasm before any importer
 * runs (top-level await), so every export is ready to call on import.
 */
export function crateModuleCode(glueId: string, wasm: WasmSource): string {
  const glue = JSON.stringify(glueId);
  return [
    `import __wbg_init from ${glue};`,
    `export * from ${glue};`,
    `await __wbg_init({ module_or_path: ${wasmExpression(wasm)} });`,
    "",
  ].join("\n");
}

function wasmExpression(wasm: WasmSource): string {
  switch (wasm.kind) {
    case "url":
      return JSON.stringify(wasm.url);
    case "asset":
      // Rollup and Vite replace this with the asset's final URL, honouring `base`
      // (relative bases become `new URL(…, import.meta.url)`).
      return `import.meta.ROLLUP_FILE_URL_${wasm.referenceId}`;
    case "inline":
      return `Uint8Array.from(atob(${JSON.stringify(wasm.base64)}), (c) => c.charCodeAt(0))`;
  }
}
