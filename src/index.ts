import type { Plugin } from "vite";
import { createApi } from "./api.ts";
import { type Options, resolveOptions } from "./options.ts";
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
  return createPlugins(options, true);
}

/** The sub-plugins; worker bundles get their own set (without adding workers' plugins again). */
function createPlugins(options: Options, forMainBuild: boolean): Plugin[] {
  const { resolved, unknownKeys } = resolveOptions(options);
  const api = createApi(resolved);
  const workerPlugins = forMainBuild ? () => createPlugins(options, false) : undefined;
  return [
    configPlugin(api, workerPlugins),
    crossOriginIsolationPlugin(api),
    loadPlugin(api, forMainBuild ? unknownKeys : []),
    devServerPlugin(api),
    sizeReportPlugin(api),
    headersFilePlugin(api),
    vitestPlugin(),
  ];
}
