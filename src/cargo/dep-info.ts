/**
 * Reads the Makefile-style dep-info (`<lib>.d`) that cargo writes next to the
 * artifact. It lists every source file the crate compiled: its own modules, path
 * dependencies, workspace members it uses and `include_str!`/`include_bytes!` files,
 * which is exactly what a watcher should watch.
 */
export function parseDepInfo(text: string): string[] {
  const files = new Set<string>();
  // Join continuation lines, then split each rule at the first unescaped colon
  // followed by whitespace (Windows paths have "C:\" colons without a space after).
  const joined = text.replace(/\\\r?\n/g, " ");
  for (const line of joined.split(/\r?\n/)) {
    const match = /^(?:[^:\\]|\\.|:(?!\s))*:\s(.*)$/.exec(line);
    if (!match) continue;
    for (const file of splitEscaped(match[1]!)) files.add(file);
  }
  return [...files];
}

/** Splits at unescaped spaces and removes the `\ ` escapes. */
function splitEscaped(list: string): string[] {
  const out: string[] = [];
  let current = "";
  for (let i = 0; i < list.length; i++) {
    const ch = list[i]!;
    if (ch === "\\" && list[i + 1] === " ") {
      current += " ";
      i++;
    } else if (ch === " " || ch === "\t") {
      if (current) out.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  if (current) out.push(current);
  return out;
}
