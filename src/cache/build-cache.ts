import { createHash } from "node:crypto";
import { constants as fsConstants } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { exists } from "../utils/fs.ts";
import type { Log } from "../utils/log.ts";
import { staleFiles, touch } from "../utils/recent-files.ts";
import { writeFileAtomically } from "../utils/write-file.ts";
import type { Glue } from "../wasm-bindgen/generate.ts";
import { bytesOf } from "../utils/bytes.ts";

/** How many entries of each crate and step to keep: the current build and a few to go back to. */
const ENTRIES_KEPT = 4;

/**
 * A content-addressed store of wasm-bindgen and wasm-opt results on disk. Keys hash
 * everything that shapes a result (input wasm bytes, options, tool versions), so an
 * entry never needs invalidating: a change makes a new key. Entries are written to a
 * temporary name and renamed, so a reader never sees half a file, and each carries the
 * sha256 of its wasm, so a damaged one (truncated, overwritten) is a miss, never served.
 *
 * The cache never fails a build: a read that goes wrong is a miss, a write that goes
 * wrong (a read-only or full disk) is one warning, and the build goes on without it.
 */
export interface BuildCache {
  readGlue(crate: string, key: string): Promise<Glue | undefined>;
  writeGlue(crate: string, key: string, glue: Glue): Promise<void>;
  readWasm(crate: string, key: string): Promise<Uint8Array | undefined>;
  writeWasm(crate: string, key: string, wasm: Uint8Array): Promise<void>;
}

/** Bumped when what an entry holds changes shape, so old entries are never misread. */
const CACHE_FORMAT = 2;

/** A wasm-opt entry: the sha256 of the wasm, then the wasm. */
const DIGEST_BYTES = 32;

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
export function createBuildCache(dir: string | undefined, log?: Log): BuildCache {
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
  let warned = false;
  /** A read that fails (missing, damaged, unreadable) is a miss. */
  const read = async <T>(what: string, task: () => Promise<T | undefined>): Promise<T | undefined> => {
    try {
      return await task();
    } catch (error) {
      log?.debug(`cache entry ${what} not used: ${(error as Error).message}`);
      return undefined;
    }
  };
  /** A write that fails costs the next build a rerun, not this one its result. */
  const write = async (task: () => Promise<void>): Promise<void> => {
    try {
      await task();
    } catch (error) {
      if (!warned) log?.warn(`the build cache in ${dir} cannot be written (${await whyUnwritable(dir!, error as Error)}); building without it`);
      warned = true;
    }
  };
  return {
    readGlue: (crate, key) =>
      read(`${crate}-${key}`, async () => {
        const base = path.join(glueDir, `${crate}-${key}`);
        const [json, wasm] = await Promise.all([readIfExists(`${base}.json`), readIfExists(`${base}.wasm`)]);
        if (!json || !wasm) return undefined;
        const stored = JSON.parse(json.toString("utf8")) as GlueEntry;
        if (stored.wasmSha256 !== sha256(wasm)) throw new Error("its wasm does not match its recorded sha256");
        await touch(`${base}.json`);
        return { js: stored.js, dts: stored.dts, snippets: new Map(stored.snippets), wasm: bytesOf(wasm) };
      }),
    writeGlue: (crate, key, glue) =>
      write(async () => {
        const base = path.join(glueDir, `${crate}-${key}`);
        const entry: GlueEntry = { js: glue.js, dts: glue.dts, snippets: [...glue.snippets], wasmSha256: sha256(glue.wasm) };
        // The wasm first: an entry counts once its .json exists.
        await writeFileAtomically(`${base}.wasm`, glue.wasm);
        await writeFileAtomically(`${base}.json`, JSON.stringify(entry));
        await prune(glueDir, crate, ".json", [".json", ".wasm"]);
      }),
    readWasm: (crate, key) =>
      read(`${crate}-${key}`, async () => {
        const file = path.join(wasmDir, `${crate}-${key}.wasm`);
        const entry = await readIfExists(file);
        if (!entry) return undefined;
        const wasm = entry.subarray(DIGEST_BYTES);
        if (!entry.subarray(0, DIGEST_BYTES).equals(sha256Digest(wasm))) {
          throw new Error("its wasm does not match its recorded sha256");
        }
        await touch(file);
        return bytesOf(wasm);
      }),
    writeWasm: (crate, key, wasm) =>
      write(async () => {
        await writeFileAtomically(path.join(wasmDir, `${crate}-${key}.wasm`), Buffer.concat([sha256Digest(wasm), wasm]));
        await prune(wasmDir, crate, ".wasm", [".wasm"]);
      }),
  };
}

/** The raw 32-byte sha256 that heads a wasm-opt entry. */
function sha256Digest(bytes: Uint8Array): Buffer {
  return createHash("sha256").update(bytes).digest();
}

/** What a wasm-bindgen entry's .json holds; its wasm is the .json's sibling. */
interface GlueEntry {
  js: string;
  dts: string;
  snippets: [string, string][];
  wasmSha256: string;
}

/** The file's bytes, or undefined when there is none; other read errors are thrown. */
async function readIfExists(file: string): Promise<Buffer | undefined> {
  return fs.readFile(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
}

/** Deletes all but the ENTRIES_KEPT most recently used entries of `crate`. */
async function prune(dir: string, crate: string, marker: string, extensions: string[]): Promise<void> {
  const pattern = new RegExp(`^${crate.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-[0-9a-f]{32}${marker.replace(".", "\\.")}$`);
  for (const name of await staleFiles(dir, (name) => pattern.test(name), ENTRIES_KEPT)) {
    const base = name.slice(0, -marker.length);
    await Promise.all(extensions.map((ext) => fs.rm(path.join(dir, base + ext), { force: true })));
  }
}

/**
 * Why the cache folder cannot be written, in words a user can act on: Node reports a
 * recursive mkdir below a read-only folder as ENOENT, which would send them looking
 * for a missing folder.
 */
async function whyUnwritable(dir: string, error: Error): Promise<string> {
  let existing = dir;
  while (!(await exists(existing)) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  try {
    await fs.access(existing, fsConstants.W_OK);
    return error.message;
  } catch (accessError) {
    return `${existing} is not writable: ${(accessError as NodeJS.ErrnoException).code ?? (accessError as Error).message}`;
  }
}
