// What the builders did and where their time went: counts of tool runs and cache hits
// (tests check what ran) and milliseconds per step (the debug log, bench/scale.mjs).

/**
 * Milliseconds spent in each step, summed over builds: where a build's time goes
 * (bench/scale.mjs reads them; the debug log prints each build's). A cache hit counts
 * as its step; `cargo` includes `cargo metadata`; `sizeReport` is the time the end of
 * the build waited for the size report.
 */
export interface StepTimes {
  cargo: number;
  wasmBindgen: number;
  wasmOpt: number;
  validation: number;
  sizeReport: number;
}

/** What the builders did, for debugging, tests and benchmarks: cache hits show up here. */
export interface BuildStats {
  cargoRuns: number;
  wasmBindgenRuns: number;
  wasmBindgenCacheHits: number;
  wasmOptRuns: number;
  wasmOptCacheHits: number;
  ms: StepTimes;
}

export function createBuildStats(): BuildStats {
  return {
    cargoRuns: 0,
    wasmBindgenRuns: 0,
    wasmBindgenCacheHits: 0,
    wasmOptRuns: 0,
    wasmOptCacheHits: 0,
    ms: { cargo: 0, wasmBindgen: 0, wasmOpt: 0, validation: 0, sizeReport: 0 },
  };
}

/** Runs `task` and adds its milliseconds to `times[step]`, whether it succeeds or not. */
export async function timed<T>(times: StepTimes, step: keyof StepTimes, task: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await task();
  } finally {
    times[step] += performance.now() - started;
  }
}

/** "cargo 40912 ms, wasm-bindgen 412 ms, …": the time each step took since `before`. */
export function formatStepTimes(now: StepTimes, before: StepTimes): string {
  const names: [keyof StepTimes, string][] = [["cargo", "cargo"], ["wasmBindgen", "wasm-bindgen"], ["wasmOpt", "wasm-opt"], ["validation", "validation"]];
  return names.map(([step, name]) => `${name} ${Math.round(now[step] - before[step])} ms`).join(", ");
}
