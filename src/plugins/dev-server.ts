import path from "node:path";
import type { EnvironmentModuleNode, Plugin } from "vite";
import type { PluginApi } from "../api.ts";
import type { CrateOutput } from "../crate-builder.ts";
import { wasmMiddleware } from "../dev-server/wasm-middleware.ts";
import { toRollupError } from "../utils/error.ts";

/**
 * The dev server side: serves built wasm, watches every file a crate compiled, and
 * rebuilds the crate when one of them changes, then updates the page. A failed
 * rebuild shows in the error overlay and the server keeps running.
 */
export function devServerPlugin(api: PluginApi): Plugin {
  /** The change event each file was last invalidated for: Vite calls hotUpdate once per environment. */
  const invalidatedAt = new Map<string, number>();
  return {
    name: "vite-plugin-crate:dev-server",
    apply: "serve",

    async configureServer(server) {
      // Imported here, not at the top: plain Rollup users need not have Vite installed.
      const { isFileLoadingAllowed } = await import("vite");
      api.isLoadingAllowed = (file) => isFileLoadingAllowed(server.config, file);
      server.middlewares.use(wasmMiddleware(api.base, api.devWasm));
      api.onBuilt = (output) => {
        // Crates outside the Vite root are not watched by default.
        server.watcher.add(output.watchFiles);
        // A CARGO_TARGET_DIR inside the root under another name than target/.
        if (!path.relative(api.root, output.info.targetDir).startsWith("..")) server.watcher.unwatch(output.info.targetDir);
      };
    },

    async hotUpdate({ file, server, timestamp }) {
      const builders = [...api.crates.values()].filter((builder) => builder.watches(file));
      if (builders.length === 0) return;
      const firstForThisChange = invalidatedAt.get(file) !== timestamp;
      invalidatedAt.set(file, timestamp);
      const modules: EnvironmentModuleNode[] = [];
      for (const builder of builders) {
        if (firstForThisChange) builder.invalidate(file);
        let output: CrateOutput;
        try {
          output = await builder.build();
        } catch (error) {
          // No request is in flight: send the error to the overlay ourselves.
          if (this.environment.name === "client") {
            const err = toRollupError(error);
            server.ws.send({
              type: "error",
              err: {
                message: err.message,
                stack: err.stack ?? "",
                id: err.id,
                frame: err.frame,
                plugin: err.plugin,
                pluginCode: err.pluginCode === undefined ? undefined : String(err.pluginCode),
                loc: err.loc,
              },
            });
            api.log.error(err.message);
          }
          continue;
        }
        api.onBuilt?.(output);
        if (!output.changed) {
          api.log.debug(`${path.relative(api.root, file)} changed but ${output.info.packageName}'s output did not: no update`);
          continue;
        }
        const graph = this.environment.moduleGraph;
        for (const id of [builder.manifestPath, ...output.modules.keys()]) {
          const node = graph.getModuleById(id);
          if (node) modules.push(node);
        }
      }
      return modules;
    },
  };
}
