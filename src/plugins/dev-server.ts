import path from "node:path";
import type { Plugin, ViteDevServer } from "vite";
import type { PluginApi } from "../api.ts";
import type { CrateRegistry } from "../crate-registry.ts";
import { CancelledError } from "../utils/run-command.ts";
import { ERROR_CLEARED_EVENT } from "../codegen/crate-module.ts";
import { sameOutput, type CrateBuilder, type CrateOutput } from "../crate-builder.ts";
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
      const rebuildLoop = createRebuildLoop(server, api, dev);
      // Listen before Vite's own handler, so a crate is stale before anything can ask
      // for it. Every change starts (or joins) a rebuild; edits that land during a
      // build share the one follow-up build.
      const onChange = (file: string) => {
        for (const builder of api.crates.values()) {
          if (!builder.watches(file)) continue;
          builder.invalidate(file);
          void rebuildLoop(builder, file);
        }
      };
      for (const event of ["add", "change", "unlink"] as const) server.watcher.prependListener(event, onChange);
    },

    // Vite calls this when the server closes (and when it restarts after a config edit).
    buildEnd() {
      registries.get(this.environment)?.abort();
    },

    hotUpdate({ file }) {
      // The rebuild loop updates the page itself; Vite's default handling of a changed
      // Cargo.toml would only race it.
      if ([...api.crates.values()].some((builder) => builder.watches(file))) return [];
    },
  };
}

/**
 * After a build, edits that came in during it wait for this much quiet before the
 * follow-up build starts, so a burst of saves (an editor's save-all, a formatter, a
 * git checkout) costs one more build, not one per save. A lone edit never waits.
 */
const BURST_QUIET_MS = 100;

/**
 * Rebuilds a crate after a change and brings the page up to date: a hot update when
 * the output changed, a full reload when the page never ran the crate, the overlay
 * when the build failed.
 */
function createRebuildLoop(server: ViteDevServer, api: PluginApi, dev: DevServerState) {
  /** Builds and errors already brought to the page (several changes can share one build). */
  const handled = new WeakSet<object>();
  /** Crates whose error the overlay shows: their next good build must clear it. */
  const showingError = new Set<string>();
  /** When each crate last saw a change. */
  const lastChange = new Map<CrateBuilder, number>();
  /** How many changes of each crate are waiting for a build to end and the burst to settle. */
  const waiting = new Map<CrateBuilder, number>();

  /** Waits for the running build, then for BURST_QUIET_MS without a new change. */
  async function settle(builder: CrateBuilder): Promise<void> {
    waiting.set(builder, (waiting.get(builder) ?? 0) + 1);
    try {
      await builder.idle();
      for (let quiet = Date.now() - lastChange.get(builder)!; quiet < BURST_QUIET_MS; quiet = Date.now() - lastChange.get(builder)!) {
        await new Promise((resolve) => setTimeout(resolve, BURST_QUIET_MS - quiet));
      }
    } finally {
      waiting.set(builder, waiting.get(builder)! - 1);
    }
  }

  return async function rebuild(builder: CrateBuilder, file: string): Promise<void> {
    const manifest = builder.manifestPath;
    lastChange.set(builder, Date.now());
    if (builder.isBuilding || (waiting.get(builder) ?? 0) > 0) await settle(builder);
    let output: CrateOutput;
    try {
      output = await builder.build();
    } catch (error) {
      // A newer change is already being built, or the server is closing: stay quiet.
      if (error instanceof CancelledError || builder.isStale || handled.has(error as object)) return;
      handled.add(error as object);
      showingError.add(manifest);
      reportError(server, api, error);
      return;
    }
    // Edits that arrived during this build get one more build; that one updates the page.
    if (builder.isStale || handled.has(output)) return;
    handled.add(output);
    dev.watchBuild(builder, output);

    const { log, root } = api.settings;
    const relative = path.relative(root, file);
    if (dev.failedLoads.has(manifest)) {
      log.debug(`${relative}: ${output.info.packageName} failed when the page loaded it, so the page reloads`);
      // The glue's module id is the same for every build: drop the one Vite holds.
      invalidateGlue(server, output, Date.now());
      server.ws.send({ type: "full-reload" });
      return;
    }
    if (showingError.delete(manifest)) server.ws.send({ type: "custom", event: ERROR_CLEARED_EVENT });
    const current = dev.delivered.get(manifest);
    if (current && sameOutput(current, output)) {
      log.debug(`${relative} changed but ${output.info.packageName}'s output did not: no update`);
      return;
    }
    dev.delivered.set(manifest, output);
    await sendHotUpdate(server, manifest, output);
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
    const crateModule = environment.moduleGraph.getModuleById(manifest);
    if (crateModule) await environment.reloadModule(crateModule);
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
