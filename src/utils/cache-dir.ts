import os from "node:os";
import path from "node:path";
import { PLUGIN_NAME } from "./error.ts";

/**
 * The per-user cache folder for things worth keeping across projects (the installed
 * wasm-bindgen CLIs): `$VITE_PLUGIN_CRATE_CACHE_DIR`, else the platform's user cache.
 */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.VITE_PLUGIN_CRATE_CACHE_DIR) return path.resolve(env.VITE_PLUGIN_CRATE_CACHE_DIR);
  const home = os.homedir();
  if (platform === "win32") return path.join(env.LOCALAPPDATA ?? path.join(home, "AppData", "Local"), PLUGIN_NAME);
  if (platform === "darwin") return path.join(home, "Library", "Caches", PLUGIN_NAME);
  return path.join(env.XDG_CACHE_HOME ?? path.join(home, ".cache"), PLUGIN_NAME);
}
