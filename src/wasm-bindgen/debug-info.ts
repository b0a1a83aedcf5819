import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { withExternalDebugInfo } from "../wasm-binary/custom-section.ts";
import { generateGlue } from "./generate.ts";

/**
 * A dev wasm's DWARF, in a file of its own that is made only when asked for. Running
 * wasm-bindgen with `--keep-debug` takes 3-4× as long (it rewrites megabytes of DWARF)
 * and the wasm it writes is 15× larger: on every save, that was most of the time
 * between cargo finishing and the page updating. Everything but the DWARF sections
 * comes out byte for byte the same with and without the flag (checked in
 * test/e2e/playground-dev.test.ts), so the page gets the quick output, pointing at this
 * file, and a debugger that follows the pointer gets the same module with its DWARF.
 */
export interface DebugInfo {
  /** The file's name, which the page's wasm names relative to its own URL. */
  fileName: string;
  /** The whole wasm as `wasm-bindgen --keep-debug` writes it: made on first call, then kept. */
  wasm(): Promise<Uint8Array>;
}

/**
 * Points `wasm` (wasm-bindgen's output without `--keep-debug`) at a debug file made
 * from `cargoWasm` on demand. `fileName` must be unique per cargo output: the page's
 * wasm names it, so its hash changes with the DWARF it points to.
 */
export function separateDebugInfo(
  wasm: Uint8Array,
  options: {
    fileName: string;
    cargoWasm: Uint8Array;
    cli: string;
    outName: string;
    manifestPath: string;
    signal?: AbortSignal;
  },
): { wasm: Uint8Array; debugInfo: DebugInfo } {
  let made: Promise<Uint8Array> | undefined;
  const make = async (): Promise<Uint8Array> => {
    // cargo's artifact is rewritten by the next build: run on the bytes this build read.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "vite-plugin-crate-debug-"));
    try {
      const input = path.join(dir, `${options.outName}.wasm`);
      await fs.writeFile(input, options.cargoWasm);
      const glue = await generateGlue({
        cli: options.cli,
        wasmPath: input,
        outDir: path.join(dir, "out"),
        shape: { outName: options.outName, keepDebug: true },
        manifestPath: options.manifestPath,
        signal: options.signal,
      });
      return glue.wasm;
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  };
  return {
    wasm: withExternalDebugInfo(wasm, options.fileName),
    debugInfo: {
      fileName: options.fileName,
      wasm: () => {
        // A failed run is tried again on the next request.
        made ??= make().catch((error: unknown) => {
          made = undefined;
          throw error;
        });
        return made;
      },
    },
  };
}
