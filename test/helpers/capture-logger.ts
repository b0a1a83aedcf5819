import type { Logger } from "vite";

/** A Vite logger that keeps every line (for assertions) and prints nothing. */
export function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (message: string) => void lines.push(message);
  return {
    lines,
    info: keep,
    warn: keep,
    warnOnce: keep,
    error: keep,
    clearScreen() {},
    hasErrorLogged: () => false,
    hasWarned: false,
  };
}
