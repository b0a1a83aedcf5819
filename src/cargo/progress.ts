import type { Log } from "../utils/log.ts";

/** Quiet for builds shorter than this: incremental rebuilds should print nothing. */
const FIRST_REPORT_MS = 1000;
/** At most one progress line per interval. */
const REPORT_INTERVAL_MS = 2000;

export interface BuildProgress {
  /** Cargo finished a unit of this package. */
  artifact(packageId: string): void;
  /** Cargo is waiting for another cargo's lock on the target dir. */
  blocked(): void;
  /** The build ended (either way). */
  done(): void;
}

/**
 * Turns cargo's artifact stream into terminal progress for slow (cold) builds:
 * "compiling my-crate: 7/12 crates, 4.1 s". Silent for fast rebuilds.
 */
export function createBuildProgress(
  packageName: string,
  total: number,
  log: Log,
  targetDir: string,
  now: () => number = Date.now,
): BuildProgress {
  const started = now();
  const compiled = new Set<string>();
  let lastReport = -Infinity;
  let reported = false;
  let warnedBlocked = false;
  const seconds = () => ((now() - started) / 1000).toFixed(1);
  return {
    artifact(packageId) {
      compiled.add(packageId);
      const elapsed = now() - started;
      if (elapsed < FIRST_REPORT_MS || now() - lastReport < REPORT_INTERVAL_MS) return;
      lastReport = now();
      reported = true;
      log.info(`compiling ${packageName}: ${Math.min(compiled.size, total)}/${total} crates, ${seconds()} s`);
    },
    blocked() {
      if (warnedBlocked) return;
      warnedBlocked = true;
      log.warn(
        `waiting for another cargo that holds the lock on ${targetDir} (often rust-analyzer or a cargo watch); ` +
          `${packageName} builds as soon as it finishes.`,
      );
    },
    done() {
      if (reported) log.info(`compiled ${packageName} in ${seconds()} s`);
    },
  };
}
