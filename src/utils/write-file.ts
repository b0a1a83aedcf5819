import fs from "node:fs/promises";
import path from "node:path";

/**
 * Writes `file` through a temporary name and a rename, so a reader (a watcher, a
 * parallel build, tsc) never sees half of it. Creates the folder when needed.
 */
export async function writeFileAtomically(file: string, content: Uint8Array | string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await fs.writeFile(temp, content);
  await fs.rename(temp, file);
}

/** Writes `file` only when its content differs: an unchanged write would still wake watchers and tsc. */
export async function writeIfChanged(file: string, content: string): Promise<void> {
  const current = await fs.readFile(file, "utf8").catch(() => undefined);
  if (current !== content) await writeFileAtomically(file, content);
}
