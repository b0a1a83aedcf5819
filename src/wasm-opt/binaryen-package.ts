import fs from "node:fs";
import { Worker } from "node:worker_threads";

/** The installed `binaryen` package's version: part of the cache key of its output. */
export function binaryenPackageVersion(): string {
  const packageJson = new URL("./package.json", import.meta.resolve("binaryen"));
  return (JSON.parse(fs.readFileSync(packageJson, "utf8")) as { version: string }).version;
}

/**
 * Optimizes a wasm module with the `binaryen` package in a worker thread: binaryen.js
 * is synchronous, and seconds of optimize() on the main thread would freeze the dev
 * server. Rejects with binaryen's own output when it cannot read, optimize or
 * validate the module.
 */
export function optimizeWithBinaryenPackage(
  wasm: Uint8Array,
  levels: { optimizeLevel: number; shrinkLevel: number },
  features: readonly string[],
  passes: readonly string[],
): Promise<Uint8Array> {
  // The input is copied into the worker (structured clone), once: the caller keeps its
  // bytes (the size report and a failed run's fallback use them); the output is
  // transferred back (worker.js).
  const worker = new Worker(new URL("./worker.js", import.meta.url), {
    workerData: { binaryenUrl: import.meta.resolve("binaryen"), wasm, features, passes, ...levels },
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
