import fs from "node:fs/promises";
import path from "node:path";
import type { CrateOutput } from "../crate-builder.ts";
import { writeFileAtomically } from "../utils/write-file.ts";

/**
 * How many wasm files of one crate stay on disk: the current build and the one
 * before, which a module still being evaluated may be reading while the next lands.
 */
const KEPT_PER_CRATE = 2;

/**
 * A file holding this build's wasm, for modules the dev server (or Vitest) runs in
 * Node: they cannot fetch a dev URL, so they read the bytes from disk. The file is
 * `<target>/vite-plugin-crate/node/<crate id>-<wasm hash>.wasm`, written once per
 * build (the hash names it, so an evaluating module never sees other bytes).
 */
export async function writeNodeWasmFile(output: CrateOutput): Promise<string> {
  const dir = path.join(output.info.targetDir, "vite-plugin-crate", "node");
  const prefix = `${output.info.crateId}-`;
  const file = path.join(dir, `${prefix}${output.wasmHash.slice(0, 16)}.wasm`);
  const exists = await fs.stat(file).then(() => true, () => false);
  if (exists) {
    // Back to an earlier build (an edit undone): it is the newest again for pruning.
    const now = new Date();
    await fs.utimes(file, now, now).catch(() => undefined);
  } else {
    await writeFileAtomically(file, output.glue.wasm);
    await pruneOlderFiles(dir, prefix, KEPT_PER_CRATE);
  }
  return file;
}

/** Deletes all but the `keep` newest wasm files in `dir` whose names start with `prefix`. */
async function pruneOlderFiles(dir: string, prefix: string, keep: number): Promise<void> {
  const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((name) => name.startsWith(prefix) && name.endsWith(".wasm"));
  const dated = await Promise.all(
    names.map(async (name) => ({ name, mtime: (await fs.stat(path.join(dir, name)).catch(() => undefined))?.mtimeMs ?? 0 })),
  );
  dated.sort((a, b) => b.mtime - a.mtime);
  await Promise.all(dated.slice(keep).map(({ name }) => fs.rm(path.join(dir, name), { force: true })));
}
