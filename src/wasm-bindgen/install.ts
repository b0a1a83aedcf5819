import fs from "node:fs/promises";
import path from "node:path";
import lockfile from "proper-lockfile";
import { cargoErrorText } from "../cargo/command.ts";
import { runCargo } from "../cargo/command.ts";
import { CrateError } from "../utils/error.ts";
import { exists } from "../utils/fs.ts";
import type { Log } from "../utils/log.ts";
import { cachedCliPath, cliVersion } from "./cli-version.ts";
import { downloadRelease, DownloadError, releaseArchive, releaseTarget } from "./release-download.ts";

export interface InstallRequest {
  version: string;
  /** Where installed CLIs live: `<cacheDir>/<version>/bin/wasm-bindgen`. */
  cacheDir: string;
  /** Release host to download from, or false to always build with `cargo install`. */
  download: string | false;
  /** The crate that needs this version, for messages. */
  manifestPath: string;
  /** A wasm-bindgen of another version found on PATH, for messages. */
  onPath: string | undefined;
  log: Log;
  signal?: AbortSignal;
}

/**
 * Installs the wasm-bindgen CLI of one version into the per-user cache: the release
 * archive when it can be downloaded and verified (seconds), else `cargo install`
 * (minutes). Safe to run from several processes at once: a lock makes one install and
 * the others wait for it. The CLI is put together in a private folder and renamed into
 * place only once it runs and reports the right version, so an interrupted install
 * (Ctrl+C, a crash) leaves nothing that passes for installed.
 */
export async function installCli(request: InstallRequest): Promise<void> {
  const { version, cacheDir, log } = request;
  const finalRoot = path.join(cacheDir, version);
  await fs.mkdir(cacheDir, { recursive: true });
  const releaseLock = await acquireInstallLock(finalRoot, request);
  const tempRoot = `${finalRoot}.installing-${process.pid}-${Date.now()}`;
  try {
    // Another process may have installed it while we waited for the lock.
    if (await exists(cachedCliPath(cacheDir, version))) return;
    // Under the lock, any earlier private folder belongs to an install that died, and a
    // version folder without the CLI is a broken one (emptied by hand): neither may
    // stand in the way of the rename.
    await removeLeftovers(cacheDir, version);
    await fs.rm(finalRoot, { recursive: true, force: true });
    const started = Date.now();
    const downloaded = await tryDownload(request, tempRoot);
    // A failed download has already said, in its one line, that cargo install comes next.
    const how = typeof downloaded === "string" ? downloaded : await cargoInstall(request, tempRoot, downloaded === undefined);
    await fs.rename(tempRoot, finalRoot);
    log.info(`installed wasm-bindgen ${version} in ${((Date.now() - started) / 1000).toFixed(1)} s (${how})`);
  } finally {
    // Release whatever happens: a lock kept fresh by a live process makes others wait for good.
    await fs.rm(tempRoot, { recursive: true, force: true }).catch(() => undefined);
    await releaseLock().catch(() => undefined);
  }
}

/**
 * Downloads and verifies the release. Returns how the CLI was installed; false when the
 * download failed (after one line saying why and that cargo comes next); undefined when
 * no download was tried (turned off, or no release for this platform).
 */
async function tryDownload(request: InstallRequest, tempRoot: string): Promise<string | false | undefined> {
  const { version, download, log, manifestPath } = request;
  const target = releaseTarget(version);
  if (download === false || !target) return undefined;
  const { archiveUrl } = releaseArchive(download, version, target);
  log.info(`downloading wasm-bindgen ${version} to match ${manifestPath}: ${archiveUrl}`);
  try {
    const executable = await downloadRelease({ version, baseUrl: download, target, destination: tempRoot, signal: request.signal });
    const actual = await cliVersion(executable);
    if (actual !== version) {
      throw new DownloadError(actual ? `the downloaded CLI reports version ${actual}` : "the downloaded CLI does not run here");
    }
    return "downloaded, checksum verified";
  } catch (error) {
    if (!(error instanceof DownloadError)) throw error;
    await fs.rm(tempRoot, { recursive: true, force: true }).catch(() => undefined);
    log.warn(
      `could not download wasm-bindgen ${version}: ${error.message}. Building it with \`cargo install\` instead ` +
        "(a few minutes, once). " +
        "Set VITE_PLUGIN_CRATE_WASM_BINDGEN_DOWNLOAD=0 to skip the download.",
    );
    return false;
  }
}

async function cargoInstall(request: InstallRequest, tempRoot: string, announce: boolean): Promise<string> {
  const { version, cacheDir, log, manifestPath, onPath, signal } = request;
  if (announce) {
    log.info(
      `installing wasm-bindgen-cli ${version} to match ${manifestPath}` +
        (onPath ? ` (wasm-bindgen on PATH is ${onPath})` : "") +
        `: \`cargo install wasm-bindgen-cli --version =${version}\`. This happens once per version and takes a few minutes.`,
    );
  }
  const install = (locked: boolean) =>
    runCargo(
      manifestPath,
      ["install", "wasm-bindgen-cli", "--version", `=${version}`, "--root", tempRoot, ...(locked ? ["--locked"] : [])],
      { cwd: cacheDir, signal },
    );
  // --locked builds with the dependency versions the CLI was released with; when the
  // registry lacks one of them (a mirror behind crates.io), resolve afresh instead.
  let result = await install(true);
  if (result.exitCode !== 0 && /failed to select a version/.test(result.stderr)) {
    log.debug("cargo install --locked could not resolve; retrying without --locked");
    result = await install(false);
  }
  if (result.exitCode !== 0) {
    throw new CrateError(
      `Installing wasm-bindgen-cli ${version} (needed by ${manifestPath}) failed. ` +
        `Install it yourself with \`cargo install wasm-bindgen-cli --version =${version}\` and make sure it is on PATH, or set wasmBindgen.path.\n\n` +
        cargoErrorText(result.stderr),
      { file: manifestPath, code: "WASM_BINDGEN_INSTALL" },
    );
  }
  return "built with cargo install";
}

/**
 * Takes `<finalRoot>.lock`, waiting while another process holds it. proper-lockfile
 * keeps the lock fresh while we hold it and removes it when the process exits, even on
 * Ctrl+C; a lock left by a killed process goes stale after 10 s and is taken over.
 * Returns the function that releases it.
 */
async function acquireInstallLock(finalRoot: string, request: InstallRequest): Promise<() => Promise<void>> {
  const { log, signal, version } = request;
  let waiting = false;
  for (;;) {
    signal?.throwIfAborted();
    try {
      return await lockfile.lock(finalRoot, {
        realpath: false,
        lockfilePath: `${finalRoot}.lock`,
        // Losing the lock (its folder removed by hand) must not crash the dev server.
        onCompromised: (error) => log.warn(`the install lock of wasm-bindgen ${version} was lost: ${error.message}`),
      });
    } catch (error) {
      if ((error as { code?: string }).code !== "ELOCKED") throw error;
      if (!waiting) log.info(`waiting for another process that is installing wasm-bindgen ${version}`);
      waiting = true;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function removeLeftovers(cacheDir: string, version: string): Promise<void> {
  const prefix = `${version}.installing-`;
  for (const entry of await fs.readdir(cacheDir)) {
    if (entry.startsWith(prefix)) await fs.rm(path.join(cacheDir, entry), { recursive: true, force: true });
  }
}
