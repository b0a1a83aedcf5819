import path from "node:path";
import { createFilter } from "@rollup/pluginutils";
import { createBuildCache } from "./cache/build-cache.ts";
import {
  createBuildStats,
  CrateBuilder,
  GLUE_ID_PREFIX,
  type BuildStats,
  type CrateBuildSettings,
  type CrateOutput,
} from "./crate-builder.ts";
import type { ResolvedOptions } from "./options.ts";
import { userCacheDir } from "./utils/cache-dir.ts";
import { createLog, type Log } from "./utils/log.ts";
import { createSerializer } from "./utils/serialize.ts";

/** URL path (below Vite's `base`) under which the dev server serves built wasm. */
export const DEV_WASM_PREFIX = "@vite-plugin-crate/";

/**
 * The state every sub-plugin shares. Filled with Rollup-friendly defaults at
 * creation (plain Rollup has no config hooks); Vite's `configResolved` settles it.
 */
export interface PluginApi {
  options: ResolvedOptions;
  log: Log;
  /** "serve" under `vite dev`, "build" under `vite build` and plain Rollup. */
  command: "serve" | "build";
  root: string;
  /** Vite's resolved `base` ("/" under Rollup). */
  base: string;
  /**
   * Our folder in Vite's `cacheDir` (under Rollup, `<root>/node_modules/.cache`): build
   * results and the last size report live there.
   */
  cacheDir: string;
  /** Counts of what the builders ran and took from the cache (debug output, tests). */
  stats: BuildStats;
  /** Is an imported Cargo.toml one the user wants us to handle? */
  filter: (id: string) => boolean;
  /** One builder per imported crate, by absolute Cargo.toml path. */
  crates: Map<string, CrateBuilder>;
  /** Wasm the dev server may serve, by URL path below `base` (only what we built). */
  devWasm: Map<string, Uint8Array>;
  /**
   * May the dev server load this file? Vite's `server.fs` rules; plugin `load` hooks
   * bypass them, so the plugin asks before compiling a crate for a request.
   */
  isLoadingAllowed: (file: string) => boolean;
  /**
   * Crates whose last request-time build failed: the page never ran them, so when they
   * build again the page needs a full reload rather than a hot update.
   */
  failedLoads: Set<string>;
  /**
   * What each crate put into the current bundle (build): its output and, unless the
   * wasm is inlined, the emitted wasm asset's reference id. The size report and the
   * `_headers` file read it.
   */
  shipped: Map<string, { output: CrateOutput; wasmReferenceId: string | undefined }>;
  /** Vite's `publicDir` (false when there is none, as under Rollup). */
  publicDir: string | false;
  /** Does the bundler minify the chunks (Vite's `build.minify`)? Unknown under plain Rollup. */
  minify: boolean | undefined;
  /** The build the page last received of each crate (dev): updates compare against it. */
  delivered: Map<string, CrateOutput>;
  /** Stops every cargo and wasm-bindgen the plugin started (the dev server is closing). */
  abort(): void;
  /** Called when a crate is first imported (the dev server watches its folder). */
  onCrate: ((builder: CrateBuilder) => void) | undefined;
  /** Called after each successful crate build (the dev server watches its files). */
  onBuilt: ((builder: CrateBuilder, output: CrateOutput) => void) | undefined;
  /** Re-reads options that depend on Vite's config. */
  configure(settings: {
    command: "serve" | "build";
    root: string;
    base: string;
    cacheDir?: string;
    publicDir?: string | false;
    minify?: boolean;
    log?: Log;
  }): void;
  /** The builder for a crate, created on first use. */
  builderFor(manifestPath: string): CrateBuilder;
  /** The code of a glue or snippet module we generated, if `id` is one. */
  generatedModule(id: string): string | undefined;
}

export function createApi(options: ResolvedOptions): PluginApi {
  const serialize = createSerializer();
  const stop = new AbortController();
  const makeFilter = (root: string) =>
    createFilter(options.include, options.exclude, { resolve: root });

  const api: PluginApi = {
    options,
    log: createLog(),
    command: "build",
    root: process.cwd(),
    base: "/",
    cacheDir: rollupCacheDir(process.cwd()),
    stats: createBuildStats(),
    filter: makeFilter(process.cwd()),
    crates: new Map(),
    devWasm: new Map(),
    onBuilt: undefined,
    onCrate: undefined,
    failedLoads: new Set(),
    delivered: new Map(),
    shipped: new Map(),
    publicDir: false,
    minify: undefined,
    isLoadingAllowed: () => true,

    abort() {
      stop.abort();
    },

    configure({ command, root, base, cacheDir, publicDir, minify, log }) {
      api.publicDir = publicDir ?? false;
      api.minify = minify;
      api.command = command;
      api.root = root;
      api.base = base;
      api.cacheDir = cacheDir ? path.join(cacheDir, "vite-plugin-crate") : rollupCacheDir(root);
      api.filter = makeFilter(root);
      if (log) api.log = log;
    },

    builderFor(manifestPath) {
      let builder = api.crates.get(manifestPath);
      if (!builder) {
        builder = new CrateBuilder(manifestPath, {
          settings: buildSettings(api),
          log: api.log,
          serialize,
          signal: stop.signal,
          // Builds only: in dev, writing megabytes of debug wasm per save would slow the
          // edit loop (~25 ms) for a gain only at server start.
          cache: createBuildCache(options.cache && api.command === "build" ? api.cacheDir : undefined),
          stats: api.stats,
        });
        api.crates.set(manifestPath, builder);
        api.onCrate?.(builder);
      }
      return builder;
    },

    generatedModule(id) {
      if (!id.startsWith(GLUE_ID_PREFIX)) return undefined;
      for (const builder of api.crates.values()) {
        const code = builder.lastOutput?.modules.get(id);
        if (code !== undefined) return code;
      }
      return undefined;
    },
  };
  return api;
}

/** Where plain Rollup keeps our cache: the conventional `node_modules/.cache/<tool>`. */
function rollupCacheDir(root: string): string {
  return path.join(root, "node_modules", ".cache", "vite-plugin-crate");
}

/** Options resolved for the current command: release and wasm-opt default by mode. */
function buildSettings(api: PluginApi): CrateBuildSettings {
  const { options, command } = api;
  const release = options.release ?? command === "build";
  const wasmOpt = options.wasmOpt && (command === "build" || options.wasmOpt.dev) ? options.wasmOpt : false;
  return {
    release,
    features: options.features,
    noDefaultFeatures: options.noDefaultFeatures,
    cargoArgs: options.cargoArgs,
    profile: options.profile,
    wasmOpt,
    dts: options.dts,
    wasmBindgen: {
      path: options.wasmBindgen.path,
      install: options.wasmBindgen.install,
      cacheDir: options.wasmBindgen.cacheDir
        ? path.resolve(options.wasmBindgen.cacheDir)
        : path.join(userCacheDir(), "wasm-bindgen-cli"),
    },
  };
}
