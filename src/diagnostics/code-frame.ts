import fs from "node:fs/promises";
import type { CrateError } from "../utils/error.ts";

/**
 * A code frame in the shape Vite prints (`19 |  code` lines and a `   |  ^` caret):
 * Vite's overlay shows `frame` only when it has that shape. `line` is 1-based,
 * `column` 0-based (Rollup's `loc` convention). Pure, so it is unit-tested.
 */
export function codeFrame(source: string, line: number, column: number, context = 2): string {
  const lines = source.split(/\r?\n/);
  if (line < 1 || line > lines.length) return "";
  const first = Math.max(1, line - context);
  const last = Math.min(lines.length, line + context);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const text = lines[n - 1]!.replace(/\t/g, "    ");
    out.push(`${String(n).padStart(width)} | ${text}`);
    if (n === line) {
      const before = lines[n - 1]!.slice(0, column).replace(/\t/g, "    ");
      out.push(`${" ".repeat(width)} | ${" ".repeat(before.length)}^`);
    }
  }
  return out.join("\n");
}

/** Adds a code frame to an error located in a file we can read (a .rs file, a Cargo.toml). */
export async function withCodeFrame(error: CrateError): Promise<CrateError> {
  if (!error.loc || error.frame) return error;
  const source = await fs.readFile(error.loc.file, "utf8").catch(() => undefined);
  if (source !== undefined) error.frame = codeFrame(source, error.loc.line, error.loc.column) || undefined;
  return error;
}
