import fs from "node:fs/promises";
import path from "node:path";
import { howItEnded, RUN_AGAIN, runCommand } from "../utils/run-command.ts";
import { CrateError } from "../utils/error.ts";
import { bytesOf } from "../utils/bytes.ts";

/** What wasm-bindgen produced for one crate, held in memory. */
export interface Glue {
  /** The ESM glue (`--target web`): exports the crate's API plus a default `init`. */
  js: string;
  /** wasm-bindgen's TypeScript declarations for the glue. */
  dts: string;
  /** The wasm module the glue instantiates. */
  wasm: Uint8Array;
  /**
   * JS snippets from `#[wasm_bindgen(inline_js)]` / `module = "..."`, keyed by their
   * path relative to the glue, e.g. `snippets/my-crate-0123/inline0.js`.
   */
  snippets: Map<string, string>;
}

/** How wasm-bindgen is asked to shape its output. */
export interface WasmBindgenShape {
  /** The base name of the files it writes (the crate's lib name). */
  outName: string;
  /**
   * Keep the wasm's DWARF (`--keep-debug`): dev builds, so Chrome's C/C++ DevTools
   * extension can step through .rs files. wasm-bindgen drops it otherwise.
   */
  keepDebug: boolean;
}

/** The wasm-bindgen arguments; pure so tests can check them. */
export function wasmBindgenArgs(wasmPath: string, outDir: string, shape: WasmBindgenShape): string[] {
  return [wasmPath, "--out-dir", outDir, ...wasmBindgenFlags(shape)];
}

/**
 * Every argument but the paths: what shapes the output, and so part of the cache key
 * of wasm-bindgen's results (taken from here, it cannot drift from the real call).
 */
export function wasmBindgenFlags({ outName, keepDebug }: WasmBindgenShape): string[] {
  return [
    "--out-name",
    outName,
    // One ESM file with an explicit `init(url)`: works in every bundler and in dev
    // without wasm ESM integration.
    "--target",
    "web",
    // We hand init() the asset URL ourselves; the default `new URL(…, import.meta.url)`
    // would make bundlers copy the unoptimized wasm a second time.
    "--omit-default-module-path",
    ...(keepDebug ? ["--keep-debug"] : []),
  ];
}

/**
 * Runs the wasm-bindgen CLI on cargo's .wasm and reads back everything it wrote.
 * wasm-bindgen writes files one by one, so it writes into a fresh temporary folder
 * that is renamed over `outDir` only once complete.
 */
export async function generateGlue(options: {
  cli: string;
  wasmPath: string;
  outDir: string;
  shape: WasmBindgenShape;
  manifestPath: string;
  signal?: AbortSignal;
}): Promise<Glue> {
  const { cli, wasmPath, outDir, shape, manifestPath, signal } = options;
  const { outName } = shape;
  const tempDir = `${outDir}.tmp-${process.pid}-${Date.now()}`;
  await fs.mkdir(path.dirname(outDir), { recursive: true });
  const result = await runCommand(cli, wasmBindgenArgs(wasmPath, tempDir, shape), {
    cwd: path.dirname(outDir),
    signal,
  }).catch(async (error: unknown) => {
    await fs.rm(tempDir, { recursive: true, force: true });
    throw error;
  });
  if (result.exitCode !== 0) {
    await fs.rm(tempDir, { recursive: true, force: true });
    throw new CrateError(
      `wasm-bindgen ${howItEnded(result)} on the wasm built from ${manifestPath}.` +
        (result.exitSignal ? ` ${RUN_AGAIN}` : "") +
        (result.stderr || result.stdout ? `\n\n${result.stderr || result.stdout}` : ""),
      { file: manifestPath, code: "WASM_BINDGEN_FAILED" },
    );
  }
  const glue: Glue = {
    js: await fs.readFile(path.join(tempDir, `${outName}.js`), "utf8"),
    dts: await fs.readFile(path.join(tempDir, `${outName}.d.ts`), "utf8"),
    wasm: bytesOf(await fs.readFile(path.join(tempDir, `${outName}_bg.wasm`))),
    snippets: await readSnippets(tempDir),
  };
  await fs.rm(outDir, { recursive: true, force: true });
  await fs.rename(tempDir, outDir).catch(async (error: NodeJS.ErrnoException) => {
    // Another process (a second `vite build` on the same target dir) put its output
    // there between our rm and rename. The glue is read already, and the folder is only
    // there to look at: leave theirs.
    if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
    await fs.rm(tempDir, { recursive: true, force: true });
  });
  return glue;
}

async function readSnippets(dir: string): Promise<Map<string, string>> {
  const snippets = new Map<string, string>();
  const root = path.join(dir, "snippets");
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    snippets.set(path.relative(dir, file).split(path.sep).join("/"), await fs.readFile(file, "utf8"));
  }
  return snippets;
}
