import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { staleFiles, touch } from "../utils/recent-files.ts";
import { writeFileAtomically } from "../utils/write-file.ts";
import type { Glue } from "../wasm-bindgen/generate.ts";

/** How many entries of each crate and step to keep: the current build and a few to go back to. */
const ENTRIES_KEPT = 4;

/**
 * A content-addressed store of wasm-bindgen and wasm-opt results on disk. Keys hash
 * everything that shapes a result (input wasm bytes, options, tool versions), so an
 * entry never needs invalidating: a change makes a new key. Entries are written to a
 * temporary name and renamed, so a reader never sees half a file.
 */
export interface BuildCache {
  readGlue(crate: string, key: string): Promise<Glue | undefined>;
  writeGlue(crate: string, key: string, glue: Glue): Promise<void>;
  readWasm(crate: string, key: string): Promise<Uint8Array | undefined>;
  writeWasm(crate: string, key: string, wasm: Uint8Array): Promise<void>;
}

/** Bumped when what an entry holds changes shape, so old entries are never misread. */
const CACHE_FORMAT = 1;

/** The sha256 of `parts` (and the cache format) as JSON; byte arrays go in as their own sha256. */
export function cacheKey(...parts: unknown[]): string {
  const json = JSON.stringify([CACHE_FORMAT, ...parts], (_key, value: unknown) =>
    value instanceof Uint8Array ? `sha256:${sha256(value)}` : value,
  );
  return createHash("sha256").update(json).digest("hex").slice(0, 32);
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A cache under `dir`, or one that never hits when `dir` is undefined (caching is off). */
export function createBuildCache(dir: string | undefined): BuildCache {
  if (!dir) {
    return {
      readGlue: async () => undefined,
      writeGlue: async () => {},
      readWasm: async () => undefined,
      writeWasm: async () => {},
    };
  }
  const glueDir = path.join(dir, "wasm-bindgen");
  const wasmDir = path.join(dir, "wasm-opt");
  return {
    async readGlue(crate, key) {
      const base = path.join(glueDir, `${crate}-${key}`);
      const [json, wasm] = await Promise.all([readIfExists(`${base}.json`), readIfExists(`${base}.wasm`)]);
      if (!json || !wasm) return undefined;
      const stored = JSON.parse(json.toString("utf8")) as { js: string; dts: string; snippets: [string, string][] };
      await touch(`${base}.json`);
      return { js: stored.js, dts: stored.dts, snippets: new Map(stored.snippets), wasm: new Uint8Array(wasm) };
    },
    async writeGlue(crate, key, glue) {
      const base = path.join(glueDir, `${crate}-${key}`);
      // The wasm first: an entry counts once its .json exists.
      await writeFileAtomically(`${base}.wasm`, glue.wasm);
      await writeFileAtomically(`${base}.json`, JSON.stringify({ js: glue.js, dts: glue.dts, snippets: [...glue.snippets] }));
      await prune(glueDir, crate, ".json", [".json", ".wasm"]);
    },
    async readWasm(crate, key) {
      const file = path.join(wasmDir, `${crate}-${key}.wasm`);
      const wasm = await readIfExists(file);
      if (!wasm) return undefined;
      await touch(file);
      return new Uint8Array(wasm);
    },
    async writeWasm(crate, key, wasm) {
      await writeFileAtomically(path.join(wasmDir, `${crate}-${key}.wasm`), wasm);
      await prune(wasmDir, crate, ".wasm", [".wasm"]);
    },
  };
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  return fs.readFile(file).catch(() => undefined);
}

/** Deletes all but the ENTRIES_KEPT most recently used entries of `crate`. */
async function prune(dir: string, crate: string, marker: string, extensions: string[]): Promise<void> {
  const pattern = new RegExp(`^${crate.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-[0-9a-f]{32}${marker.replace(".", "\\.")}$`);
  for (const name of await staleFiles(dir, (name) => pattern.test(name), ENTRIES_KEPT)) {
    const base = name.slice(0, -marker.length);
    await Promise.all(extensions.map((ext) => fs.rm(path.join(dir, base + ext), { force: true })));
  }
}
