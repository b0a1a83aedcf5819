import type { Plugin } from "vite";
import type { PluginApi } from "../api.ts";
import { createLog } from "../utils/log.ts";

/**
 * Reads Vite's resolved config into the shared api, and keeps Vite's watcher out of
 * cargo's `target/` folders: every build writes thousands of files there, and
 * watching them costs CPU and triggers reloads (vite-plugin-rsw#24).
 */
export function configPlugin(api: PluginApi): Plugin {
  return {
    name: "vite-plugin-crate:config",
    config() {
      return { server: { watch: { ignored: ["**/target/**"] } } };
    },
    configResolved(config) {
      api.configure({
        command: config.command,
        root: config.root,
        base: config.base,
        log: createLog(config.logger),
      });
    },
  };
}
