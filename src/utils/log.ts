import { PLUGIN_NAME } from "./error.ts";

/**
 * The plugin's one logger. Under Vite it writes through Vite's logger, so it follows
 * `logLevel` and `customLogger`; under plain Rollup it writes to stderr. Debug lines
 * show when `DEBUG` names `vite-plugin-crate` (or `vite-plugin-crate:*`, `*`).
 */
export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

/** The subset of Vite's Logger the plugin writes through. */
export interface SinkLogger {
  info(message: string, options?: { timestamp?: boolean }): void;
  warn(message: string, options?: { timestamp?: boolean }): void;
  error(message: string, options?: { timestamp?: boolean }): void;
}

const stderrLogger: SinkLogger = {
  info: (message) => process.stderr.write(`${message}\n`),
  warn: (message) => process.stderr.write(`${message}\n`),
  error: (message) => process.stderr.write(`${message}\n`),
};

export function isDebugEnabled(env: string | undefined = process.env.DEBUG): boolean {
  if (!env) return false;
  return env
    .split(/[\s,]+/)
    .some((name) => name === "*" || name === PLUGIN_NAME || name.startsWith(`${PLUGIN_NAME}:`));
}

export function createLog(sink: SinkLogger = stderrLogger): Log {
  const prefix = `[${PLUGIN_NAME}]`;
  const debugEnabled = isDebugEnabled();
  return {
    info: (message) => sink.info(`${prefix} ${message}`, { timestamp: true }),
    warn: (message) => sink.warn(`${prefix} ${message}`, { timestamp: true }),
    error: (message) => sink.error(`${prefix} ${message}`, { timestamp: true }),
    debug: (message) => {
      if (debugEnabled) process.stderr.write(`${prefix}:debug ${message}\n`);
    },
  };
}
