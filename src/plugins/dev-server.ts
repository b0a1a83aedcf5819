import path from "node:path";
import type { Plugin, ViteDevServer } from "vite";
import type { PluginApi } from "../api.ts";
import type { CrateRegistry } from "../crate-registry.ts";
import { ERROR_CLEARED_EVENT } from "../codegen/crate-module.ts";
import { sameOutput, type CrateBuilder, type CrateOutput } from "../crate-builder.ts";
import type { RebuildOutcome } from "../rebuilder.ts";
import { DevServerState } from "../dev-server/dev-server-state.ts";
import { wasmMiddleware } from "../dev-server/wasm-middleware.ts";
import { toRollupError } from "../utils/error.ts";

/**
 * The dev server side: serves built wasm, watches every file a crate compiled, and
 * rebuilds the crate as soon as one of them changes, without waiting for a request.
 * A good build reaches the page as a hot update of the crate module (which swaps its
 * exports in place, see codegen/crate-module.ts); a failed one goes to the error
 * overlay, and the server keeps running. Closing the server stops any cargo or
 * wasm-bindgen still running.
 */
export function devServerPlugin(api: PluginApi): Plugin {
  /**
   * The registry each server's environments build with. On a restart Vite makes the
   * new server (whose configResolved makes a new registry) before it closes the old
   * one: closing must stop the old server's builds, not the new one's.
   */
  const registries = new WeakMap<object, CrateRegistry>();
  return {
    name: "vite-plugin-crate:dev-server",
    apply: "serve",

    async configureServer(server) {
      for (const environment of Object.values(server.environments)) registries.set(environment, api.crates);
      // Imported here, not at the top: plain Rollup users need not have Vite installed.
      const { isFileLoadingAllowed } = await import("vite");
      const dev = new DevServerState(server, (file) => isFileLoadingAllowed(server.config, file));
      api.dev = dev;
      server.middlewares.use(wasmMiddleware(api.settings.base, dev.wasmByUrl));
      api.crates.onRebuilt = createPageUpdater(server, api, dev);
      // Listen before Vite's own handler, so a crate is stale before anything can ask
      // for it. Every change starts a rebuild, or joins the one follow-up build that
      // changes during a running build share (see rebuilder.ts).
      const onChange = (file: string) => {
        for (const builder of api.crates.values()) {
          if (builder.watches(file)) builder.invalidate(file, { rebuild: true });
        }
      };
      for (const event of ["add", "change", "unlink"] as const) server.watcher.prependListener(event, onChange);
    },

    // Vite calls this when the server closes (and when it restarts after a config edit).
    buildEnd() {
      registries.get(this.environment)?.abort();
    },

    hotUpdate({ file }) {
      // The page updater below brings rebuilds to the page itself; Vite's default handling of a changed
      // Cargo.toml would only race it.
      if ([...api.crates.values()].some((builder) => builder.watches(file))) return [];
    },
  };
}

/**
 * Brings each finished rebuild to the page: a hot update when the output changed, a
 * full reload when the page never ran the crate, the overlay when the build failed.
 * The rebuilder reports each build once, and only the newest.
 */
function createPageUpdater(server: ViteDevServer, api: PluginApi, dev: DevServerState) {
  /** Crates whose error the overlay shows: their next good build must clear it. */
  const showingError = new Set<string>();

  async function update(builder: CrateBuilder, outcome: RebuildOutcome<CrateOutput>): Promise<void> {
    const manifest = builder.manifestPath;
    if (!outcome.ok) {
      showingError.add(manifest);
      reportError(server, api, outcome.error);
      return;
    }
    const output = outcome.value;
    dev.watchBuild(builder, output);
    const { log, root } = api.settings;
    // No plugin context here (a rebuild is no hook): the warnings go to Vite's logger.
    for (const warning of api.crates.takeWarnings(output)) log.warn(`warning: ${warning.message}`);
    const changed = path.relative(root, outcome.changes.at(-1)!);
    if (dev.failedLoads.has(manifest)) {
      log.debug(`${changed}: ${output.info.packageName} failed when the page loaded it, so the page reloads`);
      // The glue's module id is the same for every build: drop the one Vite holds.
      invalidateGlue(server, output, Date.now());
      server.ws.send({ type: "full-reload" });
      return;
    }
    if (showingError.delete(manifest)) server.ws.send({ type: "custom", event: ERROR_CLEARED_EVENT });
    const current = dev.delivered.get(manifest);
    if (current && sameOutput(current, output)) {
      log.debug(`${changed} changed but ${output.info.packageName}'s output did not: no update`);
      return;
    }
    dev.delivered.set(manifest, output);
    if (output.info.threads) {
      // A thread pool cannot move to a new build, and an importer that accepts updates
      // itself (a framework component) would start a second instance beside the pool.
      invalidateGlue(server, output, Date.now());
      server.ws.send({ type: "full-reload" });
      return;
    }
    await sendHotUpdate(server, manifest, output);
  }

  return (builder: CrateBuilder, outcome: RebuildOutcome<CrateOutput>) => {
    update(builder, outcome).catch((error: unknown) => api.settings.log.error(`updating the page failed: ${(error as Error).stack ?? error}`));
  };
}

/** Invalidates the crate's glue and snippet modules in every environment's graph. */
function invalidateGlue(server: ViteDevServer, output: CrateOutput, timestamp: number): void {
  for (const environment of Object.values(server.environments)) {
    const graph = environment.moduleGraph;
    for (const id of output.modules.keys()) {
      const node = graph.getModuleById(id);
      if (node) graph.invalidateModule(node, new Set(), timestamp, true);
    }
  }
}

/**
 * Invalidates the crate's glue modules and reloads its module in every environment:
 * browsers get a hot update (the module accepts itself); server-side importers are
 * invalidated and run the new build on their next load.
 */
async function sendHotUpdate(server: ViteDevServer, manifest: string, output: CrateOutput): Promise<void> {
  invalidateGlue(server, output, Date.now());
  for (const environment of Object.values(server.environments)) {
    // The crate module and its `?init` and `?url` variants (those accept no update:
    // their importers reload).
    for (const crateModule of environment.moduleGraph.getModulesByFile(manifest) ?? []) {
      await environment.reloadModule(crateModule);
    }
  }
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
  api.settings.log.error(err.message);
}
