import type { RollupError } from "rollup";

export const PLUGIN_NAME = "vite-plugin-crate";

/** A source position, as Rollup and Vite's overlay want it: 1-based line, 0-based column. */
export interface Location {
  file: string;
  line: number;
  column: number;
}

/**
 * An error the plugin raises on purpose: it says what went wrong, names the file it
 * concerns, and says how to fix it. Hooks turn it into a RollupError with
 * {@link toRollupError}; the stack is left out because it points into the plugin,
 * not into the user's code.
 */
export class CrateError extends Error {
  /** The file the error is about (a Cargo.toml, a .rs file). */
  readonly file: string;
  /** A short machine-readable code: a rustc code such as E0308, or one of ours. */
  readonly code: string;
  readonly loc: Location | undefined;
  /** Source lines around `loc`; filled in by whoever can read the file. */
  frame: string | undefined;

  constructor(
    message: string,
    details: { file: string; code: string; loc?: Location; frame?: string; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
    this.name = "CrateError";
    this.file = details.file;
    this.code = details.code;
    this.loc = details.loc;
    this.frame = details.frame;
  }
}

/** Turns anything thrown by a pipeline step into the error shape Rollup and Vite expect. */
export function toRollupError(error: unknown, importer?: string): RollupError {
  if (error instanceof CrateError) {
    const rollupError: RollupError = new Error(error.message);
    rollupError.plugin = PLUGIN_NAME;
    rollupError.id = error.file;
    rollupError.pluginCode = error.code;
    if (error.loc) rollupError.loc = error.loc;
    if (error.frame) rollupError.frame = error.frame;
    // A stack into the plugin's own code helps no user; the message carries everything.
    rollupError.stack = "";
    if (importer) rollupError.watchFiles = [importer];
    return rollupError;
  }
  if (error instanceof Error) {
    const rollupError: RollupError = error;
    rollupError.plugin ??= PLUGIN_NAME;
    return rollupError;
  }
  return Object.assign(new Error(String(error)), { plugin: PLUGIN_NAME });
}
