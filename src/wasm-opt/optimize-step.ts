import { cacheKey, type BuildCache } from "../cache/build-cache.ts";
import { timed, type BuildStats } from "../build-stats.ts";
import { CrateError } from "../utils/error.ts";
import type { Log } from "../utils/log.ts";
import { CancelledError } from "../utils/run-command.ts";
import { validateWasm } from "../validate/validate-wasm.ts";
import type { WasmOptimizer } from "./optimize.ts";

/**
 * The wasm-opt step of a build: the cached result for the same input and settings, or
 * a fresh run whose output must pass the export checks before it is used or cached.
 * A failed run or check fails the build, or with `onError: "warn"` ships the
 * unoptimized wasm. The cache is best-effort: a read or write that fails is a miss.
 */
export async function optimizeStep(options: {
  /** The crate's package name, for log lines. */
  crate: string;
  /** The crate's id (see CrateInfo.crateId): names its cache entries. */
  crateId: string;
  manifestPath: string;
  wasm: Uint8Array;
  glueJs: string;
  optimizer: WasmOptimizer;
  onError: "error" | "warn";
  cache: BuildCache;
  stats: BuildStats;
  log: Log;
  signal?: AbortSignal;
}): Promise<Uint8Array> {
  const { crate, crateId, manifestPath, wasm, optimizer, cache, stats, log } = options;
  const key = cacheKey("wasm-opt", optimizer.id, wasm);
  const cached = await timed(stats.ms, "wasmOpt", () => cache.readWasm(crateId, key));
  if (cached) {
    // Entries are written only after passing the checks below.
    stats.wasmOptCacheHits++;
    log.debug(`${crate}: ${optimizer.label} output from the cache (${key})`);
    return cached;
  }
  let optimized: Uint8Array;
  try {
    stats.wasmOptRuns++;
    const started = Date.now();
    optimized = await timed(stats.ms, "wasmOpt", () => optimizer.optimize(wasm, options.signal));
    log.debug(`${crate}: ${optimizer.label} took ${Date.now() - started} ms (${wasm.byteLength} → ${optimized.byteLength} bytes)`);
    const output = optimized;
    await timed(stats.ms, "validation", () => validateWasm(output, options.glueJs, manifestPath, { by: optimizer.label, unoptimized: wasm }));
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    const failure =
      error instanceof CrateError
        ? error
        : new CrateError(`${optimizer.label} failed on the wasm built from ${manifestPath}: ${(error as Error).message}`, {
            file: manifestPath,
            code: "WASM_OPT_FAILED",
            cause: error,
          });
    const advice = 'Set wasmOpt: { onError: "warn" } to ship the unoptimized wasm, or wasmOpt: false to skip optimization.';
    if (options.onError === "error") {
      failure.message = `${failure.message}\n${advice}`;
      throw failure;
    }
    log.warn(`${failure.message}\nShipping the unoptimized wasm.`);
    return wasm;
  }
  await cache.writeWasm(crateId, key, optimized);
  return optimized;
}
