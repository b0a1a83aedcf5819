import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadCrateInfo } from "../src/cargo/metadata.ts";
import { userCacheDir } from "../src/utils/cache-dir.ts";
import { createLog } from "../src/utils/log.ts";
import { findWasmBindgenCli } from "../src/wasm-bindgen/cli.ts";
import { installState, startBackgroundInstall, wasmOptInstallPaths } from "../src/wasm-opt/install.ts";
import { withEnv } from "./helpers/env.ts";
import { checkToolchain, provisionToolchain, WASM_OPT_INSTALL_CACHE, WASM_OPT_INSTALL_TARGET_DIR } from "./helpers/toolchain.ts";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/**
 * Installs what a fresh machine lacks (provisionToolchain), fails fast when something
 * is still missing, then makes sure the wasm-bindgen CLI the
 * playground needs is installed, through the plugin's own auto-install (a fresh
 * machine takes a few minutes here, once), so no test times out waiting for it.
 */
export default async function setup(): Promise<void> {
  await provisionToolchain();
  await checkToolchain();
  const manifest = path.join(root, "playground/crate/Cargo.toml");
  const info = await loadCrateInfo(manifest);
  await findWasmBindgenCli(
    info.wasmBindgenVersion!,
    { path: undefined, install: true, download: false, cacheDir: path.join(userCacheDir(), "wasm-bindgen-cli") },
    createLog(),
    manifest,
  );
  // test/build/wasm-opt-install.test.ts waits for a real `cargo install wasm-opt`
  // (Binaryen's C++: ~8 minutes of both cores, 20 beside other tests). Started here, in
  // the background, it compiles while the other test files run; that test's own install
  // shares its target dir, so it waits for this one's compile and then links.
  const paths = wasmOptInstallPaths(WASM_OPT_INSTALL_CACHE);
  if (installState(paths).state !== "installed") {
    await withEnv({ CARGO_TARGET_DIR: WASM_OPT_INSTALL_TARGET_DIR }, async () => startBackgroundInstall(paths));
  }
}
