import type { Plugin } from "vite";
import { createApi, type PluginApi } from "./api.ts";
import { type Options, resolveOptions } from "./options.ts";
import { chunkNamesPlugin } from "./plugins/chunk-names.ts";
import { configPlugin } from "./plugins/config.ts";
import { crossOriginIsolationPlugin } from "./plugins/cross-origin-isolation.ts";
import { devServerPlugin } from "./plugins/dev-server.ts";
import { headersFilePlugin } from "./plugins/headers-file.ts";
import { loadPlugin } from "./plugins/load.ts";
import { sizeReportPlugin } from "./plugins/size-report.ts";
import { vitestPlugin } from "./plugins/vitest.ts";

export type { BuildProfile, Options, WasmBindgenOptions, WasmOptLevel, WasmOptOptions } from "./options.ts";
export { CrateError } from "./utils/error.ts";

/**
 * Makes Rust crates importable: `import { greet } from "./crate/Cargo.toml"`.
 * Works as a Vite plugin (dev and build, client, SSR and worker bundles, Vitest)
 * and as a plain Rollup plugin.
 */
export default function crate(options: Options = {}): Plugin[] {
  return createPlugins(options);
}

/**
 * The sub-plugins. Worker bundles get a set of their own (Vite builds them with
 * `worker.plugins`), made with `page`, the page's api, whose crates they share.
 */
function createPlugins(options: Options, page?: PluginApi): Plugin[] {
  const { resolved, unknownKeys } = resolveOptions(options);
  const api = createApi(resolved);
  const workerPlugins = page ? undefined : () => createPlugins(options, api);
  return [
    configPlugin(api, workerPlugins, page),
    crossOriginIsolationPlugin(api),
    loadPlugin(api, page ? [] : unknownKeys),
    chunkNamesPlugin(api),
    devServerPlugin(api),
    sizeReportPlugin(api),
    headersFilePlugin(api),
    vitestPlugin(),
  ];
}
