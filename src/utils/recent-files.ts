import fs from "node:fs/promises";
import path from "node:path";

/** Marks a file as just used: the pruning below keeps the most recently used. */
export async function touch(file: string): Promise<void> {
  const now = new Date();
  await fs.utimes(file, now, now).catch(() => undefined);
}

/**
 * The names in `dir` that `matches` and that are not among the `keep` most recently
 * used (by modification time, which `touch` renews): what a bounded store deletes.
 */
export async function staleFiles(dir: string, matches: (name: string) => boolean, keep: number): Promise<string[]> {
  const names = (await fs.readdir(dir).catch(() => [] as string[])).filter(matches);
  if (names.length <= keep) return [];
  const dated = await Promise.all(
    names.map(async (name) => ({ name, mtime: (await fs.stat(path.join(dir, name)).catch(() => undefined))?.mtimeMs ?? 0 })),
  );
  dated.sort((a, b) => b.mtime - a.mtime);
  return dated.slice(keep).map(({ name }) => name);
}
