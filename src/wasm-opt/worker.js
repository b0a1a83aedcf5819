// Runs Binaryen's optimizer off the main thread: binaryen.js is synchronous, and a
// multi-second optimize() on the main thread would freeze Vite's dev server. Loads
// binaryen.js first (about 2 s of compiling it), then waits for its one job: so a build
// can start this worker while cargo still runs (binaryen-package.ts).
// Plain JS (not TS) so Node can start it as a worker from src/ and dist/ alike.
import { parentPort, workerData } from "node:worker_threads";

/** @typedef {{ wasm: Uint8Array, optimizeLevel: number, shrinkLevel: number, features: string[], passes: string[] }} Job */

/** @param {unknown} error */
function messageOf(error) {
  // Emscripten may throw plain objects; dig out whatever text there is.
  const text = /** @type {{ message?: unknown } | undefined} */ (error)?.message;
  return typeof text === "string" ? text : JSON.stringify(error);
}

/** @type {any} */
let binaryen;
/** @type {string | undefined} */
let loadError;
try {
  // binaryen's entry uses top-level await and is ESM-only.
  ({ default: binaryen } = await import(/** @type {{ binaryenUrl: string }} */ (workerData).binaryenUrl));
} catch (error) {
  loadError = messageOf(error);
}

parentPort?.once("message", (/** @type {Job} */ job) => {
  try {
    if (loadError) throw new Error(`could not load binaryen.js: ${loadError}`);
    // Read with the features rustc emits: the default (MVP) set rejects modern modules,
    // and a module with no target_features section gives binaryen nothing to go on.
    let features = 0;
    for (const name of job.features) {
      const flag = binaryen.Features[name];
      if (typeof flag !== "number") throw new Error(`this binaryen does not know the wasm feature ${name}`);
      features |= flag;
    }
    const module = binaryen.readBinary(job.wasm, features);
    try {
      // Levels are global state in binaryen.js: set them for every run.
      binaryen.setOptimizeLevel(job.optimizeLevel);
      binaryen.setShrinkLevel(job.shrinkLevel);
      binaryen.setDebugInfo(false);
      module.optimize();
      if (job.passes.length > 0) module.runPasses(job.passes);
      if (!module.validate()) throw new Error("the optimized module does not validate");
      /** @type {Uint8Array} */
      const wasm = module.emitBinary();
      // Moved to the main thread, not copied: it owns its buffer (a copy out of binaryen's heap).
      const transfer = wasm.byteOffset === 0 && wasm.byteLength === wasm.buffer.byteLength ? [wasm.buffer] : [];
      parentPort?.postMessage({ ok: true, wasm }, /** @type {ArrayBuffer[]} */ (transfer));
    } finally {
      module.dispose();
    }
  } catch (error) {
    parentPort?.postMessage({ ok: false, message: messageOf(error) });
  }
});
