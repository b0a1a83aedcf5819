import type { WasmOptLevel } from "../options.ts";
import type { Log } from "../utils/log.ts";
import { binaryenPackageVersion, startBinaryenWorker, type BinaryenWorker } from "./binaryen-package.ts";
import { nativeFromCache } from "./install.ts";
import { findNativeWasmOpt, optimizeWithNativeWasmOpt } from "./native.ts";

/**
 * The wasm features rustc >= 1.82 emits for wasm32-unknown-unknown by default, by
 * their names in binaryen's `Features` enum. Passed explicitly because binaryen
 * otherwise reads modules as MVP and fails on modern ones (a module built with
 * `strip = true` has no target_features section to go on). See rust-lang/rust#141080,
 * wasm-pack#1501. `Atomics` is for crates built with threads (cargo/threads.ts); it
 * lets binaryen read atomic instructions and never adds any to a module without them.
 */
export const RUST_WASM_FEATURES = [
  "Atomics",
  "MutableGlobals",
  "NontrappingFPToInt",
  "BulkMemory",
  "BulkMemoryOpt",
  "SignExt",
  "ReferenceTypes",
  "Multivalue",
  "CallIndirectOverlong",
] as const;

/**
 * Passes run after the optimization level: the `producers` and `target_features`
 * sections tell tools how the module was made, and nothing at run time reads them
 * (~250 bytes on every module; the peer we benchmark against ships without them too).
 */
export const STRIP_PASSES = ["strip-producers", "strip-target-features"] as const;

/** Maps `-O<level>` onto binaryen's optimize and shrink levels, as wasm-opt does. */
export function binaryenLevels(level: WasmOptLevel): { optimizeLevel: number; shrinkLevel: number } {
  if (level === "s") return { optimizeLevel: 2, shrinkLevel: 1 };
  if (level === "z") return { optimizeLevel: 2, shrinkLevel: 2 };
  return { optimizeLevel: level, shrinkLevel: 0 };
}

export interface WasmOptSettings {
  level: WasmOptLevel;
  /**
   * `true`: a new enough `wasm-opt` on PATH if any, else the one installed in the
   * per-user cache (see install.ts); a path: that one; `false`: never native.
   */
  native: boolean | string;
  /** With `native: true` and none found: install one in the background for later builds. */
  install: boolean;
  /** The per-user cache folder the native install goes into. */
  userCacheDir: string;
  /** Extra arguments for a native wasm-opt. */
  args: readonly string[];
}

/** One way of running wasm-opt, chosen once per build. */
export interface WasmOptimizer {
  /** Which tool, version, level, features and arguments: everything that shapes the output (a cache key part). */
  id: string;
  /** For messages: "wasm-opt 108 -Oz" or "binaryen.js 132 -Oz". */
  label: string;
  optimize(wasm: Uint8Array, signal?: AbortSignal): Promise<Uint8Array>;
  /**
   * Starts, ahead of the wasm, what takes a while before any optimization: loading
   * binaryen.js (about 2 s). The next `optimize` uses it.
   */
  prepare?(): void;
  /** Stops what `prepare` started if `optimize` did not use it (the result came from the cache). */
  release?(): void;
}

/**
 * Picks the native wasm-opt when there is a new enough one (several times faster),
 * else the `binaryen` package in a worker thread. Either runs at `level` with the
 * Rust feature set given explicitly, and neither blocks the event loop.
 */
export async function createOptimizer(settings: WasmOptSettings, log: Log): Promise<WasmOptimizer> {
  const features = RUST_WASM_FEATURES;
  const level = settings.level;
  if (settings.native !== false) {
    let native = await findNativeWasmOpt(settings.native === true ? undefined : settings.native);
    if (!("path" in native) && settings.native === true) {
      const installed = nativeFromCache({ userCacheDir: settings.userCacheDir, install: settings.install, log });
      if (installed) native = await findNativeWasmOpt(installed);
    }
    if ("path" in native) {
      const found = native;
      const label = `wasm-opt ${found.version} -O${level}`;
      // Without extra arguments binaryen.js can do the same job, so a native binary
      // too old to read this module (e.g. Binaryen 116 and `table.fill`) is not fatal.
      let fallback: WasmOptimizer | undefined;
      return {
        id: JSON.stringify(["native", found.versionText, level, features, STRIP_PASSES, settings.args]),
        label,
        optimize: async (wasm, signal) => {
          if (fallback) return fallback.optimize(wasm, signal);
          try {
            return await optimizeWithNativeWasmOpt(found, wasm, {
              level,
              features,
              passes: STRIP_PASSES,
              extraArgs: settings.args,
              signal,
            });
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            if (settings.args.length > 0 || signal?.aborted || !nativeCouldNotReadModule(message)) throw error;
            fallback = binaryenJsOptimizer(level);
            log.warn(
              `${found.path} (wasm-opt ${found.version}) cannot read this module, so binaryen.js ` +
                `${binaryenPackageVersion()} optimized it instead. Use a newer wasm-opt ` +
                `(${MIN_READS_RUST_WASM_VERSION} or later) or set wasmOpt.native: false. wasm-opt said: ` +
                wasmOptSaid(message),
            );
            return fallback.optimize(wasm, signal);
          }
        },
      };
    }
    // An explicit path that cannot be used is a configuration error, not a fallback.
    if (typeof settings.native === "string") throw new Error(`wasmOpt.native: ${native.rejected}`);
    log.debug(`using the binaryen package: ${native.rejected}`);
  }
  if (settings.args.length > 0) {
    throw new Error(
      "wasmOpt.args needs a native wasm-opt (the binaryen package takes no command-line arguments). " +
        "Install binaryen (e.g. `apt install binaryen`, `brew install binaryen`) or remove wasmOpt.args.",
    );
  }
  return binaryenJsOptimizer(level);
}

/** The `binaryen` package's wasm-opt, run in a worker thread. */
function binaryenJsOptimizer(level: WasmOptLevel): WasmOptimizer {
  const features = RUST_WASM_FEATURES;
  const version = binaryenPackageVersion();
  let prepared: BinaryenWorker | undefined;
  return {
    id: JSON.stringify(["binaryen.js", version, level, features, STRIP_PASSES]),
    label: `binaryen.js ${version} -O${level}`,
    optimize: (wasm) => {
      const worker = prepared ?? startBinaryenWorker();
      prepared = undefined;
      return worker.run({ wasm, ...binaryenLevels(level), features, passes: STRIP_PASSES });
    },
    prepare: () => {
      prepared ??= startBinaryenWorker();
    },
    release: () => {
      prepared?.terminate();
      prepared = undefined;
    },
  };
}

/**
 * The first Binaryen that reads `table.fill`, which wasm-bindgen's externref glue can
 * emit: it parses from 117 (binaryen#5949); 116 stops with "invalid code after misc
 * prefix: 17" (wasm-bindgen#4250, trunk#904). A `JsValue` argument alone does not
 * emit it with wasm-bindgen 0.2.130 and rustc 1.95: 116 read such a crate here.
 */
const MIN_READS_RUST_WASM_VERSION = 117;

/**
 * Whether a native wasm-opt failed because it could not read the module (an
 * instruction or feature newer than it), rather than for a reason binaryen.js
 * would share. Matches binaryen's own wording for a parse or read failure; a module
 * that reads but fails validation (e.g. SIMD without the feature) fails in both.
 */
export function nativeCouldNotReadModule(output: string): boolean {
  return /parse exception|error (in )?parsing|invalid code after|unknown (opcode|section)/i.test(output);
}

/** The first line wasm-opt printed: the message's second, after "<path> exited with …:". */
function wasmOptSaid(message: string): string {
  return (message.split("\n")[1] ?? "").trim().slice(0, 300);
}
