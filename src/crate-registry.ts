import path from "node:path";
import type { Settings } from "./api.ts";
import { createBuildCache } from "./cache/build-cache.ts";
import { createBuildStats, type BuildStats } from "./build-stats.ts";
import { CrateBuilder, GLUE_ID_PREFIX, type CrateBuildSettings, type CrateOutput } from "./crate-builder.ts";
import type { RebuildOutcome } from "./rebuilder.ts";
import type { CompilerWarning } from "./cargo/build.ts";
import type { ResolvedOptions } from "./options.ts";
import { userCacheDir } from "./utils/cache-dir.ts";
import { createSerializer } from "./utils/serialize.ts";
import type { DeclarationsMode } from "./wasm-bindgen/dts.ts";

/**
 * Cargo runs are serialized per target dir across every registry of the process:
 * several plugin instances (two configs, a dev server restarting while the old one
 * still builds) may build into the same target dir.
 */
const serialize = createSerializer();

/**
 * Every crate the app imports, one builder each, keyed by the absolute path of its
 * Cargo.toml: the manifest path is a crate's identity, so two crates with the same
 * name never share anything.
 */
export class CrateRegistry {
  /** Counts of what the builders ran and took from the cache: tests read them to see what ran. */
  readonly stats: BuildStats = createBuildStats();
  /** Hears every crate's finished rebuilds (the dev server brings them to the page). */
  onRebuilt: ((builder: CrateBuilder, outcome: RebuildOutcome<CrateOutput>) => void) | undefined;
  private readonly builders = new Map<string, CrateBuilder>();
  /** Builds whose warnings were shown. */
  private readonly warned = new WeakSet<CrateOutput>();
  private readonly stop = new AbortController();
  private readonly buildSettings: CrateBuildSettings;
  private readonly settings: Settings;
  private readonly cacheEnabled: boolean;

  constructor(options: ResolvedOptions, settings: Settings) {
    this.settings = settings;
    this.buildSettings = buildSettings(options, settings.command);
    this.cacheEnabled = options.cache;
  }

  /** The builder for a crate, created on first use. */
  builderFor(manifestPath: string): CrateBuilder {
    const existing = this.builders.get(manifestPath);
    if (existing) return existing;
    const builder = new CrateBuilder(manifestPath, {
      settings: this.buildSettings,
      log: this.settings.log,
      serialize,
      signal: this.stop.signal,
      // Builds only: in dev, writing megabytes of debug wasm per save would slow the
      // edit loop (~25 ms) for a gain only at server start.
      cache: createBuildCache(
        this.cacheEnabled && this.settings.command === "build" ? this.settings.cacheDir : undefined,
        this.settings.log,
      ),
      stats: this.stats,
    });
    builder.rebuilds.onRebuilt = (outcome) => this.onRebuilt?.(builder, outcome);
    this.builders.set(manifestPath, builder);
    return builder;
  }

  values(): IterableIterator<CrateBuilder> {
    return this.builders.values();
  }

  /**
   * A build's rustc warnings the first time anyone asks, then none: whoever meets a
   * build first shows them (the load hook, or the dev server for a rebuild), so the
   * page, its workers and SSR loading one build print them once.
   */
  takeWarnings(output: CrateOutput): CompilerWarning[] {
    if (this.warned.has(output)) return [];
    this.warned.add(output);
    return output.warnings;
  }

  /** A glue or snippet module we generated, with the build it belongs to, if `id` is one. */
  generatedModule(id: string): { code: string; output: CrateOutput } | undefined {
    if (!id.startsWith(GLUE_ID_PREFIX)) return undefined;
    for (const builder of this.builders.values()) {
      const output = builder.lastOutput;
      const code = output?.modules.get(id);
      if (code !== undefined) return { code, output: output! };
    }
    return undefined;
  }

  /** Stops every build running and to come: cargo, wasm-bindgen, pending rebuilds (the dev server is closing). */
  abort(): void {
    this.stop.abort();
  }
}

/**
 * `dts: true` writes the declarations, except in builds under CI, which check them: a
 * committed file that is out of date must fail there, not be rewritten after tsc used it.
 */
function declarationsMode(option: ResolvedOptions["dts"], command: "serve" | "build"): DeclarationsMode | false {
  if (option === false) return false;
  if (option === "write" || option === "check") return option;
  return command === "build" && isCI() ? "check" : "write";
}

/** Is this a CI run? The `CI` variable every CI service sets (as npm, pnpm and Vitest read it). */
function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!env.CI && env.CI !== "0" && env.CI.toLowerCase() !== "false";
}

/** Options resolved for the current command: release and wasm-opt default by mode. */
function buildSettings(options: ResolvedOptions, command: "serve" | "build"): CrateBuildSettings {
  const release = options.release ?? command === "build";
  const wasmOpt = options.wasmOpt && (command === "build" || options.wasmOpt.dev) ? { ...options.wasmOpt, userCacheDir: userCacheDir() } : false;
  return {
    release,
    features: options.features,
    noDefaultFeatures: options.noDefaultFeatures,
    cargoArgs: options.cargoArgs,
    toolchain: options.toolchain,
    threads: options.threads,
    profile: options.profile,
    wasmOpt,
    dts: declarationsMode(options.dts, command),
    wasmBindgen: {
      path: options.wasmBindgen.path,
      install: options.wasmBindgen.install,
      download: options.wasmBindgen.download,
      cacheDir: options.wasmBindgen.cacheDir
        ? path.resolve(options.wasmBindgen.cacheDir)
        : path.join(userCacheDir(), "wasm-bindgen-cli"),
    },
  };
}
