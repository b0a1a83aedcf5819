import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Log } from "../utils/log.ts";

/**
 * The `wasm-opt` crate the plugin installs when no native wasm-opt 110+ is on PATH: it
 * builds Binaryen 116's wasm-opt from crates.io with the machine's C++ compiler (7 min
 * 50 s on 2 cores, once). On a 1.4 MB wasm it runs `-Oz` in 5.3 s where binaryen.js
 * takes 15.4 s.
 */
export const WASM_OPT_CRATE_VERSION = "0.116.1";
const BINARYEN_VERSION = 116;

const EXECUTABLE = process.platform === "win32" ? "wasm-opt.exe" : "wasm-opt";

/** Where the installed wasm-opt and the files about its install live. */
export function wasmOptInstallPaths(userCacheDir: string) {
  const dir = path.join(userCacheDir, "wasm-opt");
  const root = path.join(dir, WASM_OPT_CRATE_VERSION);
  return {
    dir,
    root,
    executable: path.join(root, "bin", EXECUTABLE),
    /** Exists while an install runs: holds its process id. */
    marker: path.join(dir, `${WASM_OPT_CRATE_VERSION}.installing`),
    /** How the last install ended: `{ ok, reason?, finished }`. */
    status: path.join(dir, `${WASM_OPT_CRATE_VERSION}.status.json`),
    /** cargo's output of the last install. */
    log: path.join(dir, `${WASM_OPT_CRATE_VERSION}.install.log`),
  };
}

export type WasmOptInstallPaths = ReturnType<typeof wasmOptInstallPaths>;

/** Where the native install stands, for the message a build gives. */
export type InstallState =
  | { state: "installed"; executable: string }
  | { state: "installing"; log: string }
  | { state: "failed"; reason: string; log: string }
  | { state: "absent" };

/** Is process `pid` still running? */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Reads where the install stands from its files; a marker whose process died is no install. */
export function installState(paths: WasmOptInstallPaths): InstallState {
  if (fs.existsSync(paths.executable)) return { state: "installed", executable: paths.executable };
  const pid = Number(readText(paths.marker));
  if (pid > 0 && isRunning(pid)) return { state: "installing", log: paths.log };
  const status = readText(paths.status);
  if (status !== undefined) {
    try {
      const parsed = JSON.parse(status) as { ok: boolean; reason?: string };
      if (!parsed.ok) return { state: "failed", reason: parsed.reason ?? "unknown", log: paths.log };
    } catch {
      // A damaged status file: as if there were none.
    }
  }
  return { state: "absent" };
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Starts `cargo install wasm-opt` in a detached, niced process (background-install.js)
 * that outlives this one. Returns false when another process got to it first: the
 * marker is created exclusively, so two builds starting at once make one install.
 */
export function startBackgroundInstall(paths: WasmOptInstallPaths, cargo = "cargo"): boolean {
  fs.mkdirSync(paths.dir, { recursive: true });
  // A marker whose process died (killed machine, Ctrl+C of the install) is stale.
  if (installState(paths).state !== "installing") fs.rmSync(paths.marker, { force: true });
  let marker: number;
  try {
    marker = fs.openSync(paths.marker, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  fs.rmSync(paths.status, { force: true });
  const log = fs.openSync(paths.log, "w");
  const job = {
    cargo,
    crateVersion: WASM_OPT_CRATE_VERSION,
    binaryenVersion: BINARYEN_VERSION,
    root: paths.root,
    executable: paths.executable,
    marker: paths.marker,
    status: paths.status,
  };
  const script = fileURLToPath(new URL("./background-install.js", import.meta.url));
  const child = spawn(process.execPath, [script, JSON.stringify(job)], { detached: true, stdio: ["ignore", log, log], windowsHide: true });
  fs.writeSync(marker, String(child.pid ?? ""));
  fs.closeSync(marker);
  fs.closeSync(log);
  child.unref();
  return true;
}

/**
 * The native wasm-opt from the per-user cache when installed; otherwise, when allowed,
 * starts its background install. Says in the terminal what happens, once per state
 * per process: this build goes on with binaryen.js either way.
 */
export function nativeFromCache(options: { userCacheDir: string; install: boolean; log: Log }): string | undefined {
  const { log } = options;
  const paths = wasmOptInstallPaths(options.userCacheDir);
  const current = installState(paths);
  if (current.state === "installed") {
    // The first build after a background install says so, once: the status file goes.
    if (fs.existsSync(paths.status)) {
      log.info(`using the native wasm-opt (Binaryen ${BINARYEN_VERSION}) installed in the background into ${paths.root}`);
      fs.rmSync(paths.status, { force: true });
    }
    return current.executable;
  }
  const slower = "no native wasm-opt 110+ on PATH, so this build optimizes with binaryen.js (about 3× slower)";
  if (!options.install) {
    sayOnce(log, "debug", `${slower}; wasmOpt.install is off`);
    return undefined;
  }
  if (current.state === "installing") {
    sayOnce(log, "info", `${slower}. A native wasm-opt is being installed in the background (log: ${current.log}); builds use it once it is there.`);
  } else if (current.state === "failed") {
    sayOnce(
      log,
      "warn",
      `${slower}. The background install of wasm-opt ${WASM_OPT_CRATE_VERSION} failed (${current.reason}; log: ${current.log}), so it is not tried again. ` +
        `Install Binaryen 110+ (e.g. \`brew install binaryen\`, or a release from github.com/WebAssembly/binaryen) onto PATH, ` +
        `delete ${paths.status} to try the install again, or set wasmOpt: { install: false } to silence this.`,
    );
  } else if (!startBackgroundInstall(paths)) {
    sayOnce(log, "info", `${slower}. Another process has just started installing a native wasm-opt (log: ${paths.log}); builds use it once it is there.`);
  } else {
    sayOnce(
      log,
      "info",
      `${slower}. Installing a native wasm-opt (Binaryen ${BINARYEN_VERSION}) into ${paths.root} in the background: ` +
        `\`cargo install wasm-opt --version =${WASM_OPT_CRATE_VERSION}\`, about 8 minutes on 2 cores, once; later builds use it. ` +
        `Log: ${paths.log}. Set wasmOpt: { install: false } (or VITE_PLUGIN_CRATE_WASM_OPT_INSTALL=0) to turn this off.`,
    );
  }
  return undefined;
}

// What each plugin instance's log has said: once is enough for every build it runs.
const said = new WeakMap<Log, Set<string>>();
function sayOnce(log: Log, level: "info" | "warn" | "debug", message: string): void {
  const messages = said.get(log) ?? new Set<string>();
  said.set(log, messages);
  if (messages.has(message)) return;
  messages.add(message);
  log[level](message);
}
