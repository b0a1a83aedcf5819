import type { FilterPattern } from "@rollup/pluginutils";

/** A Binaryen optimization level, as in `wasm-opt -O<level>`. */
export type WasmOptLevel = 0 | 1 | 2 | 3 | 4 | "s" | "z";

/** How wasm-opt (Binaryen) post-processes the wasm that wasm-bindgen produced. */
export interface WasmOptOptions {
  /**
   * Optimization level, as in `wasm-opt -O<level>`. `"z"` and `"s"` favour size,
   * `3`/`4` favour speed.
   * @default "z"
   */
  level?: WasmOptLevel;
  /**
   * What to do when wasm-opt fails. `"error"` fails the build with the reason;
   * `"warn"` prints the reason and ships the unoptimized wasm.
   * @default "error"
   */
  onError?: "error" | "warn";
  /**
   * Also optimize in `vite dev`. Off by default: it makes every rebuild slower and
   * dev builds are not meant to be small.
   * @default false
   */
  dev?: boolean;
}

/** Where the plugin takes the wasm-bindgen CLI from. */
export interface WasmBindgenOptions {
  /**
   * Path of a `wasm-bindgen` executable to use. Its version must equal the
   * `wasm-bindgen` version in the crate's Cargo.lock.
   * @default a `wasm-bindgen` on PATH whose version matches, else the per-user cache
   */
  path?: string;
  /**
   * Install the matching CLI with `cargo install wasm-bindgen-cli` when none is
   * found. Turn off to get an error that says which version to install instead.
   * @default true
   */
  install?: boolean;
  /**
   * Folder the CLI is installed into, one subfolder per version.
   * @default `$VITE_PLUGIN_CRATE_CACHE_DIR` or the per-user cache
   *   (`~/.cache/vite-plugin-crate` on Linux)
   */
  cacheDir?: string;
}

/** Options of `vite-plugin-crate`. Every field is optional. */
export interface Options {
  /**
   * Which imported Cargo.toml files the plugin handles (picomatch patterns,
   * resolved against the Vite root).
   * @default "**\/Cargo.toml"
   */
  include?: FilterPattern;
  /**
   * Imported Cargo.toml files to leave alone.
   * @default undefined
   */
  exclude?: FilterPattern;
  /**
   * Build with cargo's release profile. Mode-dependent: `vite build` and plain
   * Rollup use release, `vite dev` uses the dev profile.
   * @default command === "build"
   */
  release?: boolean;
  /**
   * Cargo features to enable, passed as `--features`.
   * @default []
   */
  features?: string[];
  /**
   * Pass `--no-default-features` to cargo.
   * @default false
   */
  noDefaultFeatures?: boolean;
  /**
   * Extra arguments appended to `cargo rustc` (before the `--` that separates rustc's).
   * @example ["--locked"]
   * @default []
   */
  cargoArgs?: string[];
  /** Where the wasm-bindgen CLI comes from. */
  wasmBindgen?: WasmBindgenOptions;
  /**
   * wasm-opt settings, or `false` to never run it.
   * @default { level: "z", onError: "error", dev: false }
   */
  wasmOpt?: WasmOptOptions | false;
  /**
   * Embed the wasm in the JS as base64 instead of emitting a separate `.wasm` asset.
   * Makes the download about a third larger and loses streaming compilation; use it
   * only where a separate file cannot be served.
   * @default false
   */
  inlineWasm?: boolean;
  /**
   * Write `Cargo.toml.d.ts` beside each imported Cargo.toml so TypeScript knows the
   * crate's exports.
   * @default true
   */
  dts?: boolean;
  /**
   * Cross-origin isolation headers on every dev and preview response.
   * `"require-corp"` sends `Cross-Origin-Opener-Policy: same-origin` and
   * `Cross-Origin-Embedder-Policy: require-corp` (so `crossOriginIsolated` is true and
   * `SharedArrayBuffer` works); `"credentialless"` uses that COEP value instead;
   * `false` sends neither.
   * @default "require-corp"
   */
  crossOriginIsolation?: "require-corp" | "credentialless" | false;
}

/** Options with every default filled in; mode-dependent ones are settled per build. */
export interface ResolvedOptions {
  include: FilterPattern;
  exclude: FilterPattern | undefined;
  release: boolean | undefined;
  features: string[];
  noDefaultFeatures: boolean;
  cargoArgs: string[];
  wasmBindgen: { path: string | undefined; install: boolean; cacheDir: string | undefined };
  wasmOpt: Required<WasmOptOptions> | false;
  inlineWasm: boolean;
  dts: boolean;
  crossOriginIsolation: "require-corp" | "credentialless" | false;
}

const KNOWN_KEYS = new Set<string>([
  "include",
  "exclude",
  "release",
  "features",
  "noDefaultFeatures",
  "cargoArgs",
  "wasmBindgen",
  "wasmOpt",
  "inlineWasm",
  "dts",
  "crossOriginIsolation",
]);

const WASM_OPT_LEVELS: readonly WasmOptLevel[] = [0, 1, 2, 3, 4, "s", "z"];

/**
 * Fills in defaults and checks the user's options. Returns the names of unknown keys
 * so the caller can warn through the bundler's logger (a typo should not pass silently).
 */
export function resolveOptions(options: Options = {}): {
  resolved: ResolvedOptions;
  unknownKeys: string[];
} {
  const unknownKeys = Object.keys(options).filter((key) => !KNOWN_KEYS.has(key));
  const wasmOpt = options.wasmOpt;
  if (wasmOpt && wasmOpt.level !== undefined && !WASM_OPT_LEVELS.includes(wasmOpt.level)) {
    throw new Error(
      `vite-plugin-crate: wasmOpt.level must be one of ${WASM_OPT_LEVELS.map((l) => JSON.stringify(l)).join(", ")}; got ${JSON.stringify(wasmOpt.level)}`,
    );
  }
  const isolation = options.crossOriginIsolation ?? "require-corp";
  if (isolation !== false && isolation !== "require-corp" && isolation !== "credentialless") {
    throw new Error(
      `vite-plugin-crate: crossOriginIsolation must be "require-corp", "credentialless" or false; got ${JSON.stringify(isolation)}`,
    );
  }
  return {
    unknownKeys,
    resolved: {
      include: options.include ?? "**/Cargo.toml",
      exclude: options.exclude,
      release: options.release,
      features: options.features ?? [],
      noDefaultFeatures: options.noDefaultFeatures ?? false,
      cargoArgs: options.cargoArgs ?? [],
      wasmBindgen: {
        path: options.wasmBindgen?.path,
        install: options.wasmBindgen?.install ?? true,
        cacheDir: options.wasmBindgen?.cacheDir,
      },
      wasmOpt:
        wasmOpt === false
          ? false
          : {
              level: wasmOpt?.level ?? "z",
              onError: wasmOpt?.onError ?? "error",
              dev: wasmOpt?.dev ?? false,
            },
      inlineWasm: options.inlineWasm ?? false,
      dts: options.dts ?? true,
      crossOriginIsolation: isolation,
    },
  };
}
