import type { Plugin, ResolvedConfig, UserConfig } from "vite";
import { configureApi, type PluginApi } from "../api.ts";
import { createLog } from "../utils/log.ts";

/**
 * Reads Vite's resolved config into the shared api's settings, keeps Vite's watcher
 * out of cargo's `target/` folders (every build writes thousands of files there;
 * watching them costs CPU and triggers reloads, vite-plugin-rsw#24), and brings the
 * plugin into worker bundles: Vite builds those with `worker.plugins` only, and in
 * its default iife format, which cannot hold a crate module's top-level await.
 *
 * `workerPlugins` makes the plugin instances for worker bundles; it is undefined for
 * those instances themselves (the main config's `worker.plugins` already reaches
 * nested workers), which get `page`: the main instance's api, whose crate registry
 * they build with.
 */
export function configPlugin(
  api: PluginApi,
  workerPlugins: (() => Plugin[]) | undefined,
  page?: PluginApi,
): Plugin & { api: PluginApi } {
  return {
    name: "vite-plugin-crate:config",
    // Other plugins and tests reach the shared state here, as with vite-plugin-svelte's api.
    api,
    config(config) {
      const extra: UserConfig = { server: { watch: { ignored: ["**/target/**"] } } };
      if (workerPlugins) {
        // Vite merges worker.plugins functions from every source; an explicit format wins.
        extra.worker = { plugins: workerPlugins, ...(config.worker?.format ? {} : { format: "es" }) };
      }
      return extra;
    },
    configResolved(config) {
      configureApi(api, {
        command: config.command,
        root: config.root,
        base: config.base,
        cacheDir: config.cacheDir,
        publicDir: config.publicDir || false,
        minify: config.build.minify !== false,
        log: createLog(config.logger),
        modulesRunInNode: isVitestInNode(config),
        workerFormat: config.isWorker ? config.worker.format : undefined,
        hmrOverlay: config.server.hmr === false ? false : typeof config.server.hmr === "object" ? config.server.hmr.overlay !== false : true,
      }, page?.crates);
    },
  };
}

/**
 * Is this Vitest running tests in Node? Vitest runs test files in Node whatever the
 * test environment (node, happy-dom, jsdom), though it loads DOM environments' files
 * through the client environment; only its browser mode runs them in a browser.
 * Vitest 4 has a plugin named "vitest", Vitest 5 only "vitest:…" ones (among them
 * "vitest:browser:loader" even with browser mode off, so that name proves nothing).
 */
function isVitestInNode(config: ResolvedConfig): boolean {
  const vitest = config.plugins.some((plugin) => plugin.name === "vitest" || plugin.name.startsWith("vitest:"));
  const browserMode = (config as { test?: { browser?: { enabled?: boolean } } }).test?.browser?.enabled === true;
  return vitest && !browserMode;
}
