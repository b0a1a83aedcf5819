import type { Plugin } from "vite";
import type { PluginApi } from "../api.ts";
import { createLog } from "../utils/log.ts";

/**
 * Reads Vite's resolved config into the shared api, and keeps Vite's watcher out of
 * cargo's `target/` folders: every build writes thousands of files there, and
 * watching them costs CPU and triggers reloads (vite-plugin-rsw#24).
 */
export function configPlugin(api: PluginApi): Plugin & { api: PluginApi } {
  return {
    name: "vite-plugin-crate:config",
    // Other plugins and tests reach the shared state here, as with vite-plugin-svelte's api.
    api,
    config() {
      return { server: { watch: { ignored: ["**/target/**"] } } };
    },
    configResolved(config) {
      api.configure({
        command: config.command,
        root: config.root,
        base: config.base,
        cacheDir: config.cacheDir,
        publicDir: config.publicDir || false,
        minify: config.build.minify !== false,
        log: createLog(config.logger),
      });
    },
  };
}
