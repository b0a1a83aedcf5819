import { Worker } from "node:worker_threads";
import type { WasmOptLevel } from "../options.ts";

/**
 * The wasm features rustc >= 1.82 emits for wasm32-unknown-unknown by default, by
 * their names in binaryen's `Features` enum. Passed explicitly because binaryen
 * otherwise reads modules as MVP and fails on modern ones (a module built with
 * `strip = true` has no target_features section to go on). See rust-lang/rust#141080,
 * wasm-pack#1501.
 */
export const RUST_WASM_FEATURES = [
  "MutableGlobals",
  "NontrappingFPToInt",
  "BulkMemory",
  "BulkMemoryOpt",
  "SignExt",
  "ReferenceTypes",
  "Multivalue",
  "CallIndirectOverlong",
] as const;

/** Maps `-O<level>` onto binaryen's optimize and shrink levels, as wasm-opt does. */
export function binaryenLevels(level: WasmOptLevel): { optimizeLevel: number; shrinkLevel: number } {
  if (level === "s") return { optimizeLevel: 2, shrinkLevel: 1 };
  if (level === "z") return { optimizeLevel: 2, shrinkLevel: 2 };
  return { optimizeLevel: level, shrinkLevel: 0 };
}

/**
 * Optimizes a wasm module with the `binaryen` package in a worker thread, so the
 * event loop (and with it the dev server) stays responsive. Rejects with the reason
 * when binaryen cannot read, optimize or validate the module.
 */
export function optimizeWasm(
  wasm: Uint8Array,
  level: WasmOptLevel,
  features: readonly string[] = RUST_WASM_FEATURES,
): Promise<Uint8Array> {
  const worker = new Worker(new URL("./worker.js", import.meta.url), {
    workerData: { binaryenUrl: import.meta.resolve("binaryen"), wasm, features, ...binaryenLevels(level) },
    // binaryen prints its fatal errors before aborting; keep them for the message.
    stderr: true,
    stdout: true,
  });
  let output = "";
  worker.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  worker.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      // The validator prints whole function bodies; the first lines say what is wrong.
      const printed = output.trim().slice(0, 2000);
      reject(new Error(printed ? `${message}\n${printed}` : message));
    };
    worker.once("message", (result: { ok: true; wasm: Uint8Array } | { ok: false; message: string }) => {
      settled = true;
      // Let the worker's stderr flush into `output` before it goes into a message.
      void worker.terminate().then(() => (result.ok ? resolve(result.wasm) : fail(result.message)));
    });
    worker.once("error", (error) => {
      settled = true;
      fail(error.message);
    });
    worker.once("exit", (code) => {
      if (!settled) fail(`the binaryen worker exited with code ${code} before finishing`);
    });
  });
}
