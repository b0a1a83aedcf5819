import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import type { PluginApi } from "../../src/api.ts";
import type { Options } from "../../src/index.ts";
import { installState, nativeFromCache, startBackgroundInstall, wasmOptInstallPaths, WASM_OPT_CRATE_VERSION } from "../../src/wasm-opt/install.ts";
import { buildBasicApp } from "../helpers/basic-app.ts";
import { withEnv } from "../helpers/env.ts";
import { TMP } from "../helpers/fixtures.ts";
import { tempOutDir } from "../helpers/servers.ts";
import { realWasmBindgen } from "../helpers/tool-shims.ts";
import { WASM_OPT_INSTALL_TARGET_DIR } from "../helpers/toolchain.ts";
import type { Log } from "../../src/utils/log.ts";

// The native wasm-opt the plugin installs in the background when none 110+ is on PATH
// (src/wasm-opt/install.ts): a real `cargo install wasm-opt` from crates.io into a
// per-user cache folder made for the test. Its build goes into a target dir kept across
// test runs (cargo install honours CARGO_TARGET_DIR), whose compile test setup starts
// in the background (global-setup.ts), so only a fresh machine compiles Binaryen, while
// the other test files run. Test runs default to no install (vitest.config.ts); these
// turn it on. PATH holds no native wasm-opt 110+ here (Debian's is 108).
const INSTALL_TARGET_DIR = WASM_OPT_INSTALL_TARGET_DIR;
const CRATE_TARGET_DIR = path.join(TMP, "wasm-opt-install-target");

interface Built {
  wasm: Buffer;
  log: string;
  api: PluginApi;
}

/** `vite build` of a one-file app importing the basic crate, with the per-user cache in `userCache` (and its install). */
async function buildApp(userCache: string, options: Options = {}, targetDir = CRATE_TARGET_DIR): Promise<Built> {
  const root = tempOutDir("wasm-opt-install-app");
  // Looked up before the per-user cache moves: the CLI test setup installed.
  const wasmBindgen = await realWasmBindgen();
  const env = {
    VITE_PLUGIN_CRATE_CACHE_DIR: userCache,
    VITE_PLUGIN_CRATE_WASM_OPT_INSTALL: undefined,
    CARGO_TARGET_DIR: targetDir,
  };
  const { log, api } = await withEnv(env, () => buildBasicApp(root, { ...options, wasmBindgen: { path: wasmBindgen } }));
  const assets = path.join(root, "dist/assets");
  const wasmFile = fs.readdirSync(assets).find((file) => file.endsWith(".wasm"));
  if (!wasmFile) throw new Error(`no wasm in ${assets}`);
  return { wasm: fs.readFileSync(path.join(assets, wasmFile)), log, api };
}

/** Waits until no install runs (the detached process removes its marker when it ends). */
async function installFinished(userCache: string, timeoutMs: number): Promise<void> {
  const paths = wasmOptInstallPaths(userCache);
  for (const deadline = Date.now() + timeoutMs; installState(paths).state === "installing"; ) {
    if (Date.now() > deadline) throw new Error(`the wasm-opt install did not finish in ${timeoutMs} ms; log:\n${fs.readFileSync(paths.log, "utf8")}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function newUserCache(name: string): string {
  fs.mkdirSync(TMP, { recursive: true }); // run alone, no other test file made it
  return fs.mkdtempSync(path.join(TMP, `${name}-`));
}

describe("native wasm-opt installed in the background", () => {
  test("the first build says so and optimizes with binaryen.js; later builds use the installed wasm-opt 116", { timeout: 1_800_000 }, async () => {
    const userCache = newUserCache("wasm-opt-user-cache");
    const paths = wasmOptInstallPaths(userCache);
    // The install inherits this build's environment: its CARGO_TARGET_DIR is the kept one.
    const first = await buildApp(userCache, {}, INSTALL_TARGET_DIR);
    expect(first.log).toContain(`Installing a native wasm-opt (Binaryen 116) into ${paths.root} in the background`);
    expect(first.log).toContain("Set wasmOpt: { install: false }");
    expect(first.api.crates.stats.wasmOptRuns).toBe(1);

    await installFinished(userCache, 1_500_000);
    const status = JSON.parse(fs.readFileSync(paths.status, "utf8")) as { ok: boolean; reason?: string };
    expect(status, fs.readFileSync(paths.log, "utf8").slice(-3000)).toMatchObject({ ok: true });
    expect(fs.readFileSync(paths.log, "utf8")).toContain(`wasm-opt --version =${WASM_OPT_CRATE_VERSION} --locked --root`);

    const second = await buildApp(userCache);
    expect(second.log).toContain(`using the native wasm-opt (Binaryen 116) installed in the background into ${paths.root}`);
    expect(second.log).not.toContain("binaryen.js");
    // Binaryen 116 and binaryen.js 132 optimize the same input to different bytes:
    // the second build's wasm came from the installed executable.
    expect(second.wasm.equals(first.wasm)).toBe(false);
    expect(second.wasm.byteLength).toBeLessThan(first.wasm.byteLength * 1.1);

    // Said once: the build after that is quiet about it, and uses it all the same.
    const third = await buildApp(userCache);
    expect(third.log).not.toContain("installed in the background");
    expect(third.wasm.equals(second.wasm)).toBe(true);
  });

  test("wasmOpt: { install: false } never starts one", async () => {
    const userCache = newUserCache("wasm-opt-no-install");
    const built = await buildApp(userCache, { wasmOpt: { install: false } });
    expect(built.log).not.toContain("Installing a native wasm-opt");
    expect(fs.existsSync(wasmOptInstallPaths(userCache).dir)).toBe(false);
  });

  test("a failed install says why and where its log is, and is not tried again", { timeout: 300_000 }, async () => {
    const userCache = newUserCache("wasm-opt-failed");
    const paths = wasmOptInstallPaths(userCache);
    // A real cargo that cannot reach any registry: an empty CARGO_HOME, offline.
    const cargoHome = fs.mkdtempSync(path.join(TMP, "empty-cargo-home-"));
    await withEnv({ CARGO_HOME: cargoHome, CARGO_NET_OFFLINE: "true" }, async () => expect(startBackgroundInstall(paths)).toBe(true));
    await installFinished(userCache, 240_000);
    expect(installState(paths)).toMatchObject({ state: "failed", reason: expect.stringMatching(/^cargo install exited with \d+/) });
    expect(fs.readFileSync(paths.log, "utf8")).toMatch(/offline|registry|index/i);

    const lines: string[] = [];
    const log: Log = { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`), debug: () => {} };
    expect(nativeFromCache({ userCacheDir: userCache, install: true, log })).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warn .*The background install of wasm-opt 0\.116\.1 failed \(cargo install exited with \d+; log: .*\), so it is not tried again/);
    expect(lines[0]).toContain(`delete ${paths.status} to try the install again`);
    expect(installState(paths).state).toBe("failed"); // no new install started
  });

  test("a running install is not started again; a marker whose process died is no install", () => {
    const userCache = newUserCache("wasm-opt-marker");
    const paths = wasmOptInstallPaths(userCache);
    fs.mkdirSync(paths.dir, { recursive: true });
    fs.writeFileSync(paths.marker, String(process.pid)); // a live process holds it
    expect(installState(paths)).toEqual({ state: "installing", log: paths.log });
    expect(startBackgroundInstall(paths)).toBe(false);
    fs.writeFileSync(paths.marker, "999999999"); // no such process
    expect(installState(paths)).toEqual({ state: "absent" });
  });
});
