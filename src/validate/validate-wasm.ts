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
 * Checks the wasm we are about to ship: it must compile (the engine's validation, with
 * its reason when it fails) and still export everything the glue calls, each as what
 * it was before optimization (`unoptimized`): a dropped or re-pointed export would
 * otherwise fail only in the browser.
 */
export async function validateWasm(
  wasm: Uint8Array,
  glueJs: string,
  manifestPath: string,
  optimized?: { by: string; unoptimized: Uint8Array },
): Promise<void> {
  const optimizedBy = optimized?.by;
  const hint = optimizedBy
    ? `It was optimized by ${optimizedBy}: try wasmOpt: false to see whether optimization broke it, and report it with the crate attached.`
    : "Report it with the crate attached.";
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
  const missing = glueWasmReferences(glueJs).filter((name) => !exported.has(name));
  if (missing.length > 0) {
    throw new CrateError(
      `The wasm built from ${manifestPath} lacks export${missing.length > 1 ? "s" : ""} the wasm-bindgen glue uses: ${missing.join(", ")}. ${hint}`,
      { file: manifestPath, code: "MISSING_EXPORTS" },
    );
  }
  if (!optimized) return;
  const changes = changedExportTypes(exportTypes(optimized.unoptimized), exportTypes(wasm), glueWasmReferences(glueJs));
  if (changes.length > 0) {
    throw new CrateError(
      `Optimization changed export${changes.length > 1 ? "s" : ""} the wasm-bindgen glue uses in the wasm built from ${manifestPath}: ` +
        `${changes.join("; ")}. ${hint} Old wasm-opt versions re-point wasm-bindgen's externref table (binaryen#4711): update it.`,
      { file: manifestPath, code: "CHANGED_EXPORTS" },
    );
  }
}
