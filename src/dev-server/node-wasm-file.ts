import fs from "node:fs/promises";
import path from "node:path";
import type { CrateOutput } from "../crate-builder.ts";
import { staleFiles, touch } from "../utils/recent-files.ts";
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
    await touch(file);
  } else {
    await writeFileAtomically(file, output.glue.wasm);
    const stale = await staleFiles(dir, (name) => name.startsWith(prefix) && name.endsWith(".wasm"), KEPT_PER_CRATE);
    await Promise.all(stale.map((name) => fs.rm(path.join(dir, name), { force: true })));
  }
  return file;
}
