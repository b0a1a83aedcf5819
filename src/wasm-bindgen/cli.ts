import fs from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { cargoErrorText } from "../cargo/build.ts";
import { runCargo } from "../cargo/command.ts";
import { CrateError } from "../utils/error.ts";
import type { Log } from "../utils/log.ts";

export interface WasmBindgenCliOptions {
  /** An explicit executable (the `wasmBindgen.path` option). */
  path: string | undefined;
  /** May we `cargo install` a missing CLI? */
  install: boolean;
  /** Where installed CLIs live, one folder per version. */
  cacheDir: string;
}

/** Parses `wasm-bindgen --version` output such as "wasm-bindgen 0.2.130". */
export function parseCliVersion(output: string): string | undefined {
  return /wasm-bindgen (\d+\.\d+\.\d+\S*)/.exec(output)?.[1];
}

const executableName = process.platform === "win32" ? "wasm-bindgen.exe" : "wasm-bindgen";

/** Where the CLI of a version lives once installed into the cache. */
export function cachedCliPath(cacheDir: string, version: string): string {
  return path.join(cacheDir, version, "bin", executableName);
}

async function cliVersion(executable: string): Promise<string | undefined> {
  const result = await execa(executable, ["--version"], { reject: false });
  return result.failed ? undefined : parseCliVersion(result.stdout);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

// One lookup (and at most one install) per version and process, however many crates ask.
const found = new Map<string, Promise<string>>();

/**
 * Returns a wasm-bindgen CLI executable whose version is exactly `version` (the
 * crate's wasm-bindgen dependency; the CLI refuses modules made by another version).
 * Order: the `path` option, a matching `wasm-bindgen` on PATH, the per-user cache,
 * and finally a one-time `cargo install` into that cache.
 */
export function findWasmBindgenCli(
  version: string,
  options: WasmBindgenCliOptions,
  log: Log,
  manifestPath: string,
  signal?: AbortSignal,
): Promise<string> {
  const key = `${version}\0${options.path ?? ""}\0${options.cacheDir}`;
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
  const onPath = await cliVersion(executableName);
  if (onPath === version) {
    log.debug(`using wasm-bindgen ${version} from PATH`);
    return executableName;
  }
  const cached = cachedCliPath(options.cacheDir, version);
  if (await exists(cached)) {
    log.debug(`using wasm-bindgen ${version} from ${cached}`);
    return cached;
  }
  if (!options.install) {
    throw new CrateError(
      `${manifestPath} needs the wasm-bindgen CLI ${version}` +
        (onPath ? ` (the one on PATH is ${onPath})` : "") +
        `. Install it with \`cargo install wasm-bindgen-cli --version =${version}\`, or enable wasmBindgen.install.`,
      { file: manifestPath, code: "WASM_BINDGEN_MISSING" },
    );
  }
  await installCli(version, options.cacheDir, log, manifestPath, onPath, signal);
  return cached;
}

async function installCli(
  version: string,
  cacheDir: string,
  log: Log,
  manifestPath: string,
  onPath: string | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  const finalRoot = path.join(cacheDir, version);
  // Install into a private folder and rename it into place, so a second process
  // installing at the same time never sees (or runs) a half-installed CLI.
  const tempRoot = `${finalRoot}.installing-${process.pid}-${Date.now()}`;
  const started = Date.now();
  log.info(
    `installing wasm-bindgen-cli ${version} to match ${manifestPath}` +
      (onPath ? ` (wasm-bindgen on PATH is ${onPath})` : "") +
      `: \`cargo install wasm-bindgen-cli --version =${version} --root ${finalRoot}\`. ` +
      "This happens once per version and takes a few minutes.",
  );
  const install = (locked: boolean) =>
    runCargo(
      manifestPath,
      ["install", "wasm-bindgen-cli", "--version", `=${version}`, "--root", tempRoot, ...(locked ? ["--locked"] : [])],
      { cwd: cacheDir, signal },
    );
  await fs.mkdir(cacheDir, { recursive: true });
  // --locked builds with the dependency versions the CLI was released with; when the
  // registry lacks one of them (a mirror behind crates.io), resolve afresh instead.
  let result;
  try {
    result = await install(true);
    if (result.exitCode !== 0 && /failed to select a version/.test(result.stderr)) {
      log.debug("cargo install --locked could not resolve; retrying without --locked");
      result = await install(false);
    }
  } catch (error) {
    await fs.rm(tempRoot, { recursive: true, force: true });
    throw error;
  }
  if (result.exitCode !== 0) {
    await fs.rm(tempRoot, { recursive: true, force: true });
    throw new CrateError(
      `Installing wasm-bindgen-cli ${version} (needed by ${manifestPath}) failed. ` +
        `Install it yourself with \`cargo install wasm-bindgen-cli --version =${version}\` and make sure it is on PATH, or set wasmBindgen.path.\n\n` +
        cargoErrorText(result.stderr),
      { file: manifestPath, code: "WASM_BINDGEN_INSTALL" },
    );
  }
  try {
    await fs.rename(tempRoot, finalRoot);
  } catch (error) {
    // Another process finished first; its copy is as good as ours.
    await fs.rm(tempRoot, { recursive: true, force: true });
    if (!(await exists(cachedCliPath(cacheDir, version)))) throw error;
  }
  log.info(`installed wasm-bindgen-cli ${version} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
