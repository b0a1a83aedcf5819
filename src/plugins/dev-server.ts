import path from "node:path";
import type { EnvironmentModuleNode, Plugin, ViteDevServer } from "vite";
import type { PluginApi } from "../api.ts";
import { CancelledError } from "../cargo/command.ts";
import { sameOutput, type CrateOutput } from "../crate-builder.ts";
import { wasmMiddleware } from "../dev-server/wasm-middleware.ts";
import { toRollupError } from "../utils/error.ts";

/**
 * The dev server side: serves built wasm, watches every file a crate compiled, and
 * rebuilds the crate when one of them changes. The crate module accepts hot updates
 * (see codegen/crate-module.ts), so a rebuild reaches the page without a reload; a
 * failed rebuild shows in the error overlay and the server keeps running. Closing the
 * server stops any cargo or wasm-bindgen still running.
 */
export function devServerPlugin(api: PluginApi): Plugin {
  /** The change event each file was last invalidated for: Vite calls hotUpdate once per environment. */
  const invalidatedAt = new Map<string, number>();
  /** Builds each environment has already been updated with (several changes can share a build). */
  const delivered = new Map<string, WeakSet<CrateOutput>>();

  return {
    name: "vite-plugin-crate:dev-server",
    apply: "serve",

    async configureServer(server) {
      // Imported here, not at the top: plain Rollup users need not have Vite installed.
      const { isFileLoadingAllowed } = await import("vite");
      api.isLoadingAllowed = (file) => isFileLoadingAllowed(server.config, file);
      server.middlewares.use(wasmMiddleware(api.base, api.devWasm));
      api.onBuilt = (output) => {
        // Crates outside the Vite root are not watched by default; files added to
        // the crate since the last build appear in its new dep-info.
        server.watcher.add(output.watchFiles);
        // A CARGO_TARGET_DIR inside the root under another name than target/.
        if (!path.relative(api.root, output.info.targetDir).startsWith("..")) server.watcher.unwatch(output.info.targetDir);
      };
    },

    // Vite calls this when the server closes (and when it restarts after a config edit).
    buildEnd() {
      api.abort();
    },

    async hotUpdate({ file, server, timestamp }) {
      const builders = [...api.crates.values()].filter((builder) => builder.watches(file));
      if (builders.length === 0) return;
      const firstForThisChange = invalidatedAt.get(file) !== timestamp;
      invalidatedAt.set(file, timestamp);
      const environment = this.environment.name;
      const isClient = environment === "client";
      let seen = delivered.get(environment);
      if (!seen) delivered.set(environment, (seen = new WeakSet()));

      const modules: EnvironmentModuleNode[] = [];
      for (const builder of builders) {
        if (firstForThisChange) builder.invalidate(file);
        let output: CrateOutput;
        try {
          output = await builder.build();
        } catch (error) {
          // A newer change is already building, or the server is closing: stay quiet.
          if (error instanceof CancelledError || builder.isStale) continue;
          if (isClient) reportError(server, api, error);
          continue;
        }
        // Edits that arrived during this build get one more build; it will update the page.
        if (builder.isStale || seen.has(output)) continue;
        seen.add(output);
        api.onBuilt?.(output);
        const relative = path.relative(api.root, file);
        if (api.failedLoads.has(builder.manifestPath)) {
          if (isClient) {
            api.log.debug(`${relative}: ${output.info.packageName} failed when the page loaded it, so the page reloads`);
            server.ws.send({ type: "full-reload" });
          }
          continue;
        }
        const current = api.delivered.get(builder.manifestPath);
        if (current && sameOutput(current, output)) {
          api.log.debug(`${relative} changed but ${output.info.packageName}'s output did not: no update`);
          continue;
        }
        if (isClient) api.delivered.set(builder.manifestPath, output);
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

/** A rebuild outside any request failed: show it in the overlay and the terminal. */
function reportError(server: ViteDevServer, api: PluginApi, error: unknown): void {
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
  // rustc's rendering already shows the code; the frame is for the overlay.
  api.log.error(err.message);
}
