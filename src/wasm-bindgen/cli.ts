import { constants as fsConstants } from "node:fs";
import fs from "node:fs/promises";
import { CrateError } from "../utils/error.ts";
import { exists } from "../utils/fs.ts";
import type { Log } from "../utils/log.ts";
import { pathCandidates } from "../utils/path-lookup.ts";
import { cachedCliPath, CLI_EXECUTABLE, cliVersion } from "./cli-version.ts";
import { installCli } from "./install.ts";

export interface WasmBindgenCliOptions {
  /** An explicit executable (the `wasmBindgen.path` option). */
  path: string | undefined;
  /** May we install a missing CLI? */
  install: boolean;
  /** Release host to download the CLI from, or false to build it with `cargo install`. */
  download: string | false;
  /** Where installed CLIs live, one folder per version. */
  cacheDir: string;
}

// One lookup (and at most one install) per version and process, however many crates ask.
const found = new Map<string, Promise<string>>();

/**
 * Returns a wasm-bindgen CLI executable whose version is exactly `version` (the
 * crate's wasm-bindgen dependency; the CLI refuses modules made by another version).
 * Order: the `path` option, a matching `wasm-bindgen` on PATH, the per-user cache,
 * and finally a one-time install into that cache (install.ts).
 */
export function findWasmBindgenCli(
  version: string,
  options: WasmBindgenCliOptions,
  log: Log,
  manifestPath: string,
  signal?: AbortSignal,
): Promise<string> {
  const key = `${version}\0${options.path ?? ""}\0${options.cacheDir}\0${options.download}`;
  let pending = found.get(key);
  if (!pending) {
    pending = locateOrInstall(version, options, log, manifestPath, signal);
    found.set(key, pending);
    // A failure (no network, no cargo) should be retried on the next build, not remembered.
    pending.catch(() => found.delete(key));
  }
  return pending;
}

async function locateOrInstall(
  version: string,
  options: WasmBindgenCliOptions,
  log: Log,
  manifestPath: string,
  signal: AbortSignal | undefined,
): Promise<string> {
  if (options.path) {
    const actual = await cliVersion(options.path);
    if (actual === version) return options.path;
    throw new CrateError(
      actual
        ? `The wasm-bindgen CLI at ${options.path} is version ${actual}, but ${manifestPath} uses wasm-bindgen ${version} (from its Cargo.lock). ` +
            `Point wasmBindgen.path at a ${version} CLI, or remove the option to let the plugin install one.`
        : `wasmBindgen.path points at ${options.path}, which does not run as wasm-bindgen. Fix the path or remove the option.`,
      { file: manifestPath, code: "WASM_BINDGEN_MISMATCH" },
    );
  }
  // By its full path: the lookup is remembered for the process, and the executable that
  // was checked must be the one that runs, whatever PATH or that folder does later.
  const pathCli = await findOnPath(CLI_EXECUTABLE);
  const onPath = pathCli && (await cliVersion(pathCli));
  if (pathCli && onPath === version) {
    log.debug(`using wasm-bindgen ${version} from PATH (${pathCli})`);
    return pathCli;
  }
  const cached = cachedCliPath(options.cacheDir, version);
  if (await exists(cached)) {
    log.debug(`using wasm-bindgen ${version} from ${cached}`);
    return cached;
  }
  if (!options.install) {
    throw new CrateError(
      `${manifestPath} needs the wasm-bindgen CLI ${version}, the version of wasm-bindgen in its Cargo.lock (the two must match exactly)` +
        (onPath ? `; the one on PATH is ${onPath}` : "") +
        `. Install it with \`cargo install wasm-bindgen-cli --version =${version}\`, or enable wasmBindgen.install.`,
      { file: manifestPath, code: "WASM_BINDGEN_MISSING" },
    );
  }
  await installCli({ version, cacheDir: options.cacheDir, download: options.download, manifestPath, onPath, log, signal });
  return cached;
}

/** The first executable named `name` on PATH, as the shell would find it. */
async function findOnPath(name: string): Promise<string | undefined> {
  for (const candidate of pathCandidates(name)) {
    if (await fs.access(candidate, fsConstants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}
