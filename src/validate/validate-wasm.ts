import { CrateError } from "../utils/error.ts";
import { changedExportTypes, exportTypes } from "./export-types.ts";

/**
 * The wasm exports the wasm-bindgen glue uses: it reaches every one through
 * `wasm.<name>` (`wasm` being `instance.exports`).
 */
export function glueWasmReferences(glueJs: string): string[] {
  const names = new Set<string>();
  for (const match of glueJs.matchAll(/\bwasm\.([A-Za-z_$][\w$]*)/g)) names.add(match[1]!);
  return [...names].sort();
}

/**
 * Checks the wasm we are about to ship: it must validate, and after optimization it
 * must compile (the engine's reason when it does not) and still export everything the
 * glue calls, each as what it was before (`unoptimized`): a dropped or re-pointed
 * export would otherwise fail only in the browser.
 */
export async function validateWasm(
  wasm: Uint8Array,
  glueJs: string,
  manifestPath: string,
  optimized?: { by: string; unoptimized: Uint8Array },
): Promise<void> {
  // Straight from wasm-bindgen (dev, or wasmOpt: false) the exports are as the glue
  // expects: the engine's check is enough, and the synchronous one is the quickest.
  if (!optimized) {
    if (WebAssembly.validate(wasm as Uint8Array<ArrayBuffer>)) return;
    throw new CrateError(
      `The wasm built from ${manifestPath} does not validate. Report it with the crate attached.`,
      { file: manifestPath, code: "INVALID_WASM" },
    );
  }
  const hint = `It was optimized by ${optimized.by}: try wasmOpt: false to see whether optimization broke it, and report it with the crate attached.`;
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(wasm as Uint8Array<ArrayBuffer>);
  } catch (error) {
    throw new CrateError(
      `The wasm built from ${manifestPath} does not validate: ${(error as Error).message}. ${hint}`,
      { file: manifestPath, code: "INVALID_WASM" },
    );
  }
  const exported = new Set(WebAssembly.Module.exports(module).map((entry) => entry.name));
  const before = exportTypes(optimized.unoptimized);
  // Only names wasm-bindgen's own module exported: `wasm.x` can also appear in doc
  // comments the glue copies from Rust.
  const used = glueWasmReferences(glueJs).filter((name) => before.has(name));
  const missing = used.filter((name) => !exported.has(name));
  if (missing.length > 0) {
    throw new CrateError(
      `The wasm built from ${manifestPath} lacks export${missing.length > 1 ? "s" : ""} the wasm-bindgen glue uses: ${missing.join(", ")}. ${hint}`,
      { file: manifestPath, code: "MISSING_EXPORTS" },
    );
  }
  const changes = changedExportTypes(before, exportTypes(wasm), used);
  if (changes.length > 0) {
    throw new CrateError(
      `Optimization changed export${changes.length > 1 ? "s" : ""} the wasm-bindgen glue uses in the wasm built from ${manifestPath}: ` +
        `${changes.join("; ")}. ${hint} Old wasm-opt versions re-point wasm-bindgen's externref table (binaryen#4711): update it.`,
      { file: manifestPath, code: "CHANGED_EXPORTS" },
    );
  }
}
