import fs from "node:fs";
import { Worker } from "node:worker_threads";

/** The installed `binaryen` package's version: part of the cache key of its output. */
export function binaryenPackageVersion(): string {
  const packageJson = new URL("./package.json", import.meta.resolve("binaryen"));
  return (JSON.parse(fs.readFileSync(packageJson, "utf8")) as { version: string }).version;
}

/** One optimization by the `binaryen` package. */
export interface BinaryenJob {
  wasm: Uint8Array;
  optimizeLevel: number;
  shrinkLevel: number;
  features: readonly string[];
  passes: readonly string[];
}

/** A worker thread loading binaryen.js (worker.js), then running one job. */
export interface BinaryenWorker {
  /** Hands the worker its job; rejects with binaryen's own output when it cannot read, optimize or validate the module. */
  run(job: BinaryenJob): Promise<Uint8Array>;
  /** Stops a worker that will get no job. */
  terminate(): void;
}

/**
 * Starts a worker that loads binaryen.js: about 2 s of compiling it, which a build
 * can spend while cargo still runs. binaryen.js is synchronous, and seconds of
 * optimize() on the main thread would freeze the dev server, hence the thread. Until
 * it has a job, the worker does not keep the process alive.
 */
export function startBinaryenWorker(): BinaryenWorker {
  const worker = new Worker(new URL("./worker.js", import.meta.url), {
    workerData: { binaryenUrl: import.meta.resolve("binaryen") },
    // binaryen prints its fatal errors before aborting; keep them for the message.
    stderr: true,
    stdout: true,
  });
  worker.unref();
  let output = "";
  worker.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  worker.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const result = new Promise<Uint8Array>((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      // The validator prints whole function bodies; the first lines say what is wrong.
      const printed = output.trim().slice(0, 2000);
      reject(new Error(printed ? `${message}\n${printed}` : message));
    };
    worker.once("message", (reply: { ok: true; wasm: Uint8Array } | { ok: false; message: string }) => {
      settled = true;
      // Let the worker's stderr flush into `output` before it goes into a message.
      void worker.terminate().then(() => (reply.ok ? resolve(reply.wasm) : fail(reply.message)));
    });
    worker.once("error", (error) => {
      settled = true;
      fail(error.message);
    });
    worker.once("exit", (code) => {
      if (!settled) fail(`the binaryen worker exited with code ${code} before finishing`);
    });
  });
  // A worker that fails while nobody waits on it (terminated unused) is no error.
  result.catch(() => undefined);
  return {
    run(job) {
      worker.ref();
      // The input is copied into the worker (structured clone), once: the caller keeps
      // its bytes (the size report and a failed run's fallback use them); the output is
      // transferred back (worker.js).
      worker.postMessage(job);
      return result;
    },
    terminate() {
      void worker.terminate();
    },
  };
}
