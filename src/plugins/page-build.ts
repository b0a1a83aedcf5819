import type { PluginApi } from "../api.ts";

/**
 * Is this the build whose assets the size report and the `_headers` file describe: the
 * page's? Vite builds every environment with the same plugins, and SSR builds drop
 * emitted assets (a server bundle's wasm is inlined, or written by the load plugin
 * itself); worker bundles run during the page's build and their files end up in its
 * output. Plain Rollup has no environments: its one build is the page's.
 */
export function isPageBuild(context: object, api: PluginApi): boolean {
  const { environment } = context as { environment?: { config: { build: { emitAssets: boolean } } } };
  const inWorkerBundle = api.settings.workerFormat !== undefined;
  return environment?.config.build.emitAssets !== false && !inWorkerBundle;
}
