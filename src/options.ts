import type { FilterPattern } from "@rollup/pluginutils";
import type { BuildProfile } from "./cargo/profile.ts";
import { RELEASE_BASE_URL } from "./wasm-bindgen/release-download.ts";

export type { BuildProfile } from "./cargo/profile.ts";

/** A Binaryen optimization level, as in `wasm-opt -O<level>`. */
export type WasmOptLevel = 0 | 1 | 2 | 3 | 4 | "s" | "z";

/** How wasm-opt (Binaryen) post-processes the wasm that wasm-bindgen produced. */
export interface WasmOptOptions {
  /**
   * Optimization level, as in `wasm-opt -O<level>`. `"z"` and `"s"` favour size,
   * `3`/`4` favour speed.
   * @default 3 with `profile: "speed"`, else 1 (as small as "z" once compressed, 3-4× faster: see the README)
   */
  level?: WasmOptLevel;
  /**
   * Which wasm-opt runs. `true` uses a native `wasm-opt` from PATH when it is version
   * 110 or newer (several times faster; older ones break wasm-bindgen's externref
   * table), else the `binaryen` npm package in a worker thread; a string is the path of
   * a native wasm-opt to use (relative to the working directory; an error if it cannot
   * run or is older than 110); `false` always uses the `binaryen` package. A native
   * one that cannot read the module (Binaryen 116 and `table.fill`) is replaced by the
   * package for that build, with one warning (not with `args`).
   * @default true
   */
  native?: boolean | string;
  /**
   * With `native: true` and no native wasm-opt 110+ on PATH: install one (Binaryen 116,
   * `cargo install wasm-opt`, about 8 minutes on 2 cores, once) into the per-user cache
   * in the background, niced, while builds go on with the `binaryen` package, and use
   * it from the next build on. The terminal says when it starts; a failed install is
   * not retried. The env var `VITE_PLUGIN_CRATE_WASM_OPT_INSTALL=0` (or `1`) wins over
   * this option.
   * @default true
   */
  install?: boolean;
  /**
   * Extra arguments for a native wasm-opt, after the level, the feature flags and the
   * passes that strip the `producers` and `target_features` sections.
   * Needs a native wasm-opt: the `binaryen` package takes no arguments.
   * @example ["--enable-simd"]
   * @default []
   */
  args?: string[];
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
   * Install the matching CLI into the per-user cache when none is found: the release
   * archive when it can be downloaded and verified (see `download`), else with
   * `cargo install wasm-bindgen-cli`. Turn off to get an error that says which version
   * to install instead.
   * @default true
   */
  install?: boolean;
  /**
   * Download the CLI's release archive (checked against the `.sha256sum` published
   * beside it) rather than building it with `cargo install`: seconds instead of
   * minutes. `false` always builds with cargo; a string is the base URL of a mirror
   * laid out like the release host (`<url>/<version>/wasm-bindgen-<version>-<target>.tar.gz`).
   * A host that cannot be reached falls back to `cargo install`. The env var
   * `VITE_PLUGIN_CRATE_WASM_BINDGEN_DOWNLOAD` (`0`/`false`, or a URL) wins over this.
   * @default true (https://github.com/wasm-bindgen/wasm-bindgen/releases/download)
   */
  download?: boolean | string;
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
  /**
   * What release builds are tuned for. `"size"` applies `opt-level = "z"`, `lto = true`,
   * `codegen-units = 1`, `panic = "abort"` and `strip = "debuginfo"` to cargo's release
   * profile (as `--config` arguments: Cargo.toml is not edited) and runs `wasm-opt -Oz`;
   * `"speed"` does the same with `opt-level = 3` and `wasm-opt -O3`; `"none"` leaves
   * cargo's release profile as it is. Keys you set yourself in `[profile.release]`, a
   * cargo config file, `CARGO_PROFILE_RELEASE_*` or `cargoArgs` always win.
   * @default "size"
   */
  profile?: BuildProfile;
  /** Where the wasm-bindgen CLI comes from. */
  wasmBindgen?: WasmBindgenOptions;
  /**
   * wasm-opt settings, or `false` to never run it.
   * @default { level: 1 (3 with profile "speed"), onError: "error", dev: false, native: true, install: true, args: [] }
   */
  wasmOpt?: WasmOptOptions | false;
  /**
   * In builds, keep the results of wasm-bindgen and wasm-opt in Vite's `cacheDir`
   * (under plain Rollup, `node_modules/.cache`), keyed by the wasm's bytes, the options,
   * `WASM_BINDGEN_*` env vars and the tool versions, so a build with no Rust change skips
   * both. A cache that cannot be read or written is skipped, never a failed build.
   * @default true
   */
  cache?: boolean;
  /**
   * Print a table of each crate's wasm and glue sizes (raw, gzip, brotli, and the
   * change since the previous build) at the end of `vite build` and plain Rollup builds
   * (not SSR). `topFunctions: n` adds the n largest functions of each wasm, measured
   * before wasm-opt strips their names; the env var `VITE_PLUGIN_CRATE_TOP_FUNCTIONS=n`
   * sets n too and wins.
   * @default true
   */
  sizeReport?: boolean | { topFunctions?: number };
  /**
   * Write a `_headers` file into the build output, for hosts that read one (Netlify,
   * Cloudflare Pages): `Content-Type: application/wasm` for each emitted wasm and, unless
   * `crossOriginIsolation` is false, COOP/COEP for every path under `base`. Rules already in
   * `public/_headers` are kept, ours come after them.
   * @default false
   */
  headersFile?: boolean;
  /**
   * Embed the wasm in the JS as base64 instead of emitting a separate `.wasm` asset.
   * Makes the download about a third larger and loses streaming compilation; use it
   * only where a separate file cannot be served.
   * @default false
   */
  inlineWasm?: boolean;
  /**
   * `Cargo.toml.d.ts` beside each imported Cargo.toml, so TypeScript knows the crate's
   * exports. Commit it, as a lockfile: then `tsc` and editors have the types on a fresh
   * clone, before anything was built.
   * - `true`: written whenever the crate's exports change, except in `vite build` under
   *   CI (the `CI` env var set), where a committed file that is out of date fails the
   *   build instead, as `npm ci` fails on a stale lockfile: `tsc` ran against old types.
   * - `"write"`: always written, CI or not (for projects that generate it in CI).
   * - `"check"`: an existing file is never changed, and one out of date is an error.
   * - `false`: none.
   *
   * In every mode but `false`, a missing file is written. A file that cannot be written
   * (a read-only folder) is one warning, and the build goes on.
   * @default true
   */
  dts?: boolean | "write" | "check";
  /**
   * Cross-origin isolation headers on every dev and preview response.
   * `"require-corp"` sends `Cross-Origin-Opener-Policy: same-origin` and
   * `Cross-Origin-Embedder-Policy: require-corp` (so `crossOriginIsolated` is true and
   * `SharedArrayBuffer` works); `"credentialless"` uses that COEP value instead;
   * `false` sends neither.
   * @default "require-corp"
   */
  crossOriginIsolation?: "require-corp" | "credentialless" | false;
  /**
   * Where the crate module runs, which decides how it gets its wasm. `"web"` fetches it
   * (browsers, web workers); `"node"` never fetches: in dev it reads the wasm from disk,
   * in a build it carries it as `nodeWasm` says.
   * Under Vite you rarely set it: each environment says where it runs (SSR is Node),
   * and Vitest always runs tests in Node. Under plain Rollup it is the only way to
   * know: set `"node"` for bundles that run in Node.
   * @default from the Vite environment (`consumer: "server"` is Node; Vitest is Node), else "web"
   */
  target?: "web" | "node";
  /**
   * How builds that run in Node (SSR builds, `target: "node"`) carry the wasm.
   * `"inline"` puts it in the JS as base64, so it survives tools that bundle the server
   * again (SvelteKit's adapter-node, serverless packagers); `"file"` emits a hashed
   * `.wasm` next to the bundle and reads it with `node:fs` relative to the chunk's
   * `import.meta.url`: a smaller bundle, for servers that run Vite's output as it is.
   * @default "inline"
   */
  nodeWasm?: "inline" | "file";
  /**
   * Build every crate with threads (shared memory, atomics, `-Zbuild-std`: see the
   * README's Threads). Crates that depend on wasm-bindgen-rayon get them without it;
   * set it for crates that use threads some other way.
   * @default false (crates depending on wasm-bindgen-rayon: true)
   */
  threads?: boolean;
  /**
   * A rustup toolchain to build with (`cargo +<toolchain>`), over the crate's own
   * `rust-toolchain.toml`. Threads need a nightly with the `rust-src` component.
   * @example "nightly-2026-10-30"
   * @default the crate's rust-toolchain.toml, else rustup's default
   */
  toolchain?: string;
}

/** Options with every default filled in; mode-dependent ones are settled per build. */
export interface ResolvedOptions {
  include: FilterPattern;
  exclude: FilterPattern | undefined;
  release: boolean | undefined;
  features: string[];
  noDefaultFeatures: boolean;
  cargoArgs: string[];
  wasmBindgen: { path: string | undefined; install: boolean; download: string | false; cacheDir: string | undefined };
  profile: BuildProfile;
  wasmOpt: Required<WasmOptOptions> | false;
  cache: boolean;
  /** 0 when the report lists no functions. */
  sizeReport: { topFunctions: number } | false;
  headersFile: boolean;
  inlineWasm: boolean;
  dts: boolean | "write" | "check";
  crossOriginIsolation: "require-corp" | "credentialless" | false;
  /** Undefined: decided per environment. */
  target: "web" | "node" | undefined;
  nodeWasm: "inline" | "file";
  threads: boolean;
  toolchain: string | undefined;
}

const KNOWN_KEYS = new Set<string>([
  "include",
  "exclude",
  "release",
  "features",
  "noDefaultFeatures",
  "cargoArgs",
  "wasmBindgen",
  "profile",
  "wasmOpt",
  "cache",
  "sizeReport",
  "headersFile",
  "inlineWasm",
  "dts",
  "crossOriginIsolation",
  "target",
  "nodeWasm",
  "threads",
  "toolchain",
]);

const WASM_OPT_LEVELS: readonly WasmOptLevel[] = [0, 1, 2, 3, 4, "s", "z"];
const PROFILES: readonly BuildProfile[] = ["size", "speed", "none"];

/**
 * Fills in defaults and checks the user's options. Returns the names of unknown keys
 * so the caller can warn through the bundler's logger (a typo should not pass silently).
 */
export function resolveOptions(options: Options = {}, env: NodeJS.ProcessEnv = process.env): {
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
  const profile = options.profile ?? "size";
  if (!PROFILES.includes(profile)) {
    throw new Error(
      `vite-plugin-crate: profile must be "size", "speed" or "none"; got ${JSON.stringify(profile)}`,
    );
  }
  const isolation = options.crossOriginIsolation ?? "require-corp";
  if (isolation !== false && isolation !== "require-corp" && isolation !== "credentialless") {
    throw new Error(
      `vite-plugin-crate: crossOriginIsolation must be "require-corp", "credentialless" or false; got ${JSON.stringify(isolation)}`,
    );
  }
  if (options.target !== undefined && options.target !== "web" && options.target !== "node") {
    throw new Error(`vite-plugin-crate: target must be "web" or "node"; got ${JSON.stringify(options.target)}`);
  }
  const dts = options.dts ?? true;
  if (typeof dts !== "boolean" && dts !== "write" && dts !== "check") {
    throw new Error(`vite-plugin-crate: dts must be true, false, "write" or "check"; got ${JSON.stringify(dts)}`);
  }
  if (options.threads !== undefined && typeof options.threads !== "boolean") {
    throw new Error(`vite-plugin-crate: threads must be true or false; got ${JSON.stringify(options.threads)}`);
  }
  if (options.toolchain !== undefined && (typeof options.toolchain !== "string" || !/^[\w.-]+$/.test(options.toolchain))) {
    throw new Error(`vite-plugin-crate: toolchain must be a rustup toolchain name such as "nightly-2026-10-30"; got ${JSON.stringify(options.toolchain)}`);
  }
  const nodeWasm = options.nodeWasm ?? "inline";
  if (nodeWasm !== "inline" && nodeWasm !== "file") {
    throw new Error(`vite-plugin-crate: nodeWasm must be "inline" or "file"; got ${JSON.stringify(nodeWasm)}`);
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
        download: resolveDownload(options.wasmBindgen?.download, env.VITE_PLUGIN_CRATE_WASM_BINDGEN_DOWNLOAD),
        cacheDir: options.wasmBindgen?.cacheDir,
      },
      profile,
      wasmOpt:
        wasmOpt === false
          ? false
          : {
              // -O1, not -Oz: after brotli or gzip the wasm is as small (within ±1.5% on
              // the three bench crates) and wasm-opt takes a quarter of the time (README).
              level: wasmOpt?.level ?? (profile === "speed" ? 3 : 1),
              onError: wasmOpt?.onError ?? "error",
              dev: wasmOpt?.dev ?? false,
              native: wasmOpt?.native ?? true,
              install: resolveFlag(wasmOpt?.install ?? true, env.VITE_PLUGIN_CRATE_WASM_OPT_INSTALL, "VITE_PLUGIN_CRATE_WASM_OPT_INSTALL"),
              args: wasmOpt?.args ?? [],
            },
      cache: options.cache ?? true,
      sizeReport: resolveSizeReport(options.sizeReport, env.VITE_PLUGIN_CRATE_TOP_FUNCTIONS),
      headersFile: options.headersFile ?? false,
      inlineWasm: options.inlineWasm ?? false,
      dts,
      crossOriginIsolation: isolation,
      target: options.target,
      nodeWasm,
      threads: options.threads ?? false,
      toolchain: options.toolchain,
    },
  };
}

/** The release host to download the wasm-bindgen CLI from, or false (the env var wins). */
function resolveDownload(option: boolean | string | undefined, envValue: string | undefined): string | false {
  const value = envValue === undefined || envValue === "" ? option ?? true : envValue;
  if (value === false || value === "0" || value === "false") return false;
  if (value === true || value === "1" || value === "true") return RELEASE_BASE_URL;
  if (typeof value === "string" && /^https?:\/\//.test(value)) return value;
  throw new Error(
    `vite-plugin-crate: wasmBindgen.download (or VITE_PLUGIN_CRATE_WASM_BINDGEN_DOWNLOAD) must be true, false or an http(s) URL; got ${JSON.stringify(value)}`,
  );
}

/** A boolean option that an env var ("0"/"false" or "1"/"true") overrides. */
function resolveFlag(option: boolean, envValue: string | undefined, name: string): boolean {
  if (envValue === undefined || envValue === "") return option;
  if (envValue === "0" || envValue === "false") return false;
  if (envValue === "1" || envValue === "true") return true;
  throw new Error(`vite-plugin-crate: ${name} must be 0, 1, false or true; got ${JSON.stringify(envValue)}`);
}

/** The report option with the env var's function count applied (the env var wins). */
function resolveSizeReport(option: Options["sizeReport"], envCount: string | undefined): ResolvedOptions["sizeReport"] {
  if (option === false) return false;
  const fromEnv = envCount === undefined || envCount === "" ? undefined : Number(envCount);
  if (fromEnv !== undefined && !(Number.isInteger(fromEnv) && fromEnv >= 0)) {
    throw new Error(`vite-plugin-crate: VITE_PLUGIN_CRATE_TOP_FUNCTIONS must be a whole number; got ${JSON.stringify(envCount)}`);
  }
  const fromOption = typeof option === "object" ? option.topFunctions : undefined;
  if (fromOption !== undefined && !(Number.isInteger(fromOption) && fromOption >= 0)) {
    throw new Error(`vite-plugin-crate: sizeReport.topFunctions must be a whole number; got ${JSON.stringify(fromOption)}`);
  }
  return { topFunctions: fromEnv ?? fromOption ?? 0 };
}
