import path from "node:path";
import { createFilter } from "@rollup/pluginutils";
import { CrateRegistry } from "./crate-registry.ts";
import type { DevServerState } from "./dev-server/dev-server-state.ts";
import type { CrateOutput } from "./crate-builder.ts";
import type { ResolvedOptions } from "./options.ts";
import { perEnvironment, type PerEnvironment } from "./utils/per-environment.ts";
import { createLog, type Log } from "./utils/log.ts";

/**
 * What every sub-plugin shares, in five fields:
 * - `options`: the user's options, resolved by the factory;
 * - `settings`: what the bundler's config decides, fixed in `configResolved` (plain
 *   Rollup has no config hooks: it keeps the defaults made at creation);
 * - `crates`: one builder per imported crate, keyed by manifest path, made with the
 *   settings in `configResolved` (worker bundles share the page's);
 * - `dev`: the dev server's state (served wasm, what the page got), made in
 *   `configureServer`; undefined in builds;
 * - `shipped`: per build environment, what each crate put into the bundle; reset in
 *   the load plugin's `buildStart`, filled by its `load`, read by the size report and
 *   the `_headers` file.
 */
export interface PluginApi {
  readonly options: ResolvedOptions;
  settings: Settings;
  crates: CrateRegistry;
  dev: DevServerState | undefined;
  readonly shipped: PerEnvironment<Map<string, ShippedCrate>>;
}

/** What one crate put into a bundle. */
export interface ShippedCrate {
  output: CrateOutput;
  /**
   * Where its wasm went: an asset for browsers (by reference id), a file for Node next
   * to the bundle (by file name), or nowhere of its own (inlined in the JS).
   */
  wasmFile: { referenceId: string } | { fileName: string } | undefined;
}

/** What the bundler's configuration decides for the plugin. Never changed once made. */
export interface Settings {
  readonly log: Log;
  /** "serve" under `vite dev` (and Vitest), "build" under `vite build` and plain Rollup. */
  readonly command: "serve" | "build";
  readonly root: string;
  /** Vite's resolved `base` ("/" under Rollup). */
  readonly base: string;
  /**
   * Our folder in Vite's `cacheDir` (under Rollup, `<root>/node_modules/.cache`): build
   * results and the last size report live there.
   */
  readonly cacheDir: string;
  /** Vite's `publicDir` (false when there is none, as under Rollup). */
  readonly publicDir: string | false;
  /** Does the bundler minify the chunks (Vite's `build.minify`)? Unknown under plain Rollup. */
  readonly minify: boolean | undefined;
  /**
   * Does every module run in Node whatever its environment says? True under Vitest
   * (outside browser mode): it runs test files in Node even in DOM environments.
   */
  readonly modulesRunInNode: boolean;
  /** Set in worker bundles: their output format (`worker.format`). */
  readonly workerFormat: "es" | "iife" | undefined;
  /** Does the dev server show errors in its overlay (`server.hmr.overlay`)? Dev panics follow it. */
  readonly hmrOverlay?: boolean;
  /** Is an imported Cargo.toml one the user wants us to handle? */
  readonly filter: (id: string) => boolean;
}

/** The parts of Settings that come from the bundler's config. */
export type SettingsInput = Omit<Settings, "filter" | "cacheDir" | "log"> & { cacheDir?: string; log?: Log };

export function createApi(options: ResolvedOptions): PluginApi {
  const settings = makeSettings(options, {
    command: "build",
    root: process.cwd(),
    base: "/",
    publicDir: false,
    minify: undefined,
    modulesRunInNode: false,
    workerFormat: undefined,
  });
  return {
    options,
    settings,
    crates: new CrateRegistry(options, settings),
    dev: undefined,
    shipped: perEnvironment(() => new Map<string, ShippedCrate>()),
  };
}

/**
 * Fixes the settings from the bundler's config, and makes the crate registry for them,
 * or takes `crates` (a worker bundle's instance builds with the page's registry, so a
 * crate imported by the page and three workers is built once, not four times).
 */
export function configureApi(api: PluginApi, input: SettingsInput, crates?: CrateRegistry): void {
  api.settings = makeSettings(api.options, input);
  api.crates = crates ?? new CrateRegistry(api.options, api.settings);
  // Set again by configureServer when this config serves.
  api.dev = undefined;
}

function makeSettings(options: ResolvedOptions, input: SettingsInput): Settings {
  return {
    ...input,
    log: input.log ?? createLog(),
    cacheDir: input.cacheDir ? path.join(input.cacheDir, "vite-plugin-crate") : rollupCacheDir(input.root),
    filter: createFilter(options.include, options.exclude, { resolve: input.root }),
  };
}

/** Where plain Rollup keeps our cache: the conventional `node_modules/.cache/<tool>`. */
function rollupCacheDir(root: string): string {
  return path.join(root, "node_modules", ".cache", "vite-plugin-crate");
}
