import path from "node:path";
import { formatStepTimes, timed, type BuildStats } from "./build-stats.ts";
import { cacheKey, sha256, type BuildCache } from "./cache/build-cache.ts";
import type { CargoBuildOptions, CompilerWarning } from "./cargo/build.ts";
import { profileConfigArgs, profileOverrides, userReleaseProfileKeys, type BuildProfile } from "./cargo/profile.ts";
import { createBuildProgress } from "./cargo/progress.ts";
import { withCodeFrame } from "./diagnostics/code-frame.ts";
import { loadCrateInfo, type CrateInfo } from "./cargo/metadata.ts";
import type { WasmOptOptions } from "./options.ts";
import { CrateError } from "./utils/error.ts";
import { writeFileAtomically } from "./utils/write-file.ts";
import type { Log } from "./utils/log.ts";
import { findWasmBindgenCli, type WasmBindgenCliOptions } from "./wasm-bindgen/cli.ts";
import { crateModuleDeclarations, declarationsFile, declarationsPath, updateDeclarations, type DeclarationsMode } from "./wasm-bindgen/dts.ts";
import { separateDebugInfo, type DebugInfo } from "./wasm-bindgen/debug-info.ts";
import { withoutDwarf } from "./wasm-binary/custom-section.ts";
import { generateGlue, wasmBindgenFlags, type Glue, type WasmBindgenShape } from "./wasm-bindgen/generate.ts";
import { createOptimizer, type WasmOptimizer, type WasmOptSettings } from "./wasm-opt/optimize.ts";
import { validateWasm } from "./validate/validate-wasm.ts";
import { optimizeStep } from "./wasm-opt/optimize-step.ts";
import { Rebuilder } from "./rebuilder.ts";
import { PanicHookBuild } from "./panic-hook/panic-hook-build.ts";
import { withoutPanicHookDeclaration } from "./codegen/glue-panic-reporter.ts";
import { rawModuleDeclarations } from "./codegen/raw-declarations.ts";
import { readModuleInterface, type ModuleInterface } from "./wasm-binary/module-interface.ts";

/**
 * How long cargo runs before the optimizer prepares (binaryen.js loads): a build with
 * nothing to compile finishes cargo sooner, and never loads it for nothing.
 */
const PREPARE_OPTIMIZER_AFTER_MS = 500;

/** Prefix of the module ids of generated glue and snippets (virtual: served from memory). */
export const GLUE_ID_PREFIX = "\0vite-plugin-crate:";

/** Everything one build of a crate produced. */
export interface CrateOutput {
  info: CrateInfo;
  /** The glue, with `glue.wasm` already optimized when wasm-opt is on. */
  glue: Glue;
  /** Module id of the glue JS. */
  glueId: string;
  /** Glue and snippet modules by id. */
  modules: Map<string, string>;
  /** Hex sha256 of the wasm cargo produced: an unchanged one skips wasm-bindgen. */
  cargoWasmHash: string;
  /** Hex sha256 of the final wasm: names dev URLs, tells unchanged rebuilds apart. */
  wasmHash: string;
  /** wasm-bindgen's wasm before wasm-opt: it still has the name section the size report reads. */
  unoptimizedWasm: Uint8Array;
  /** rustc's warnings in this build: shown once per build (see CrateRegistry.takeWarnings). */
  warnings: CompilerWarning[];
  /**
   * A raw crate's (no wasm-bindgen) imports and exports with their types: its module
   * exports the wasm's exports. Its `glue` has the wasm, and no JS (`modules` is empty).
   */
  raw?: ModuleInterface;
  /** What `Cargo.toml.d.ts` holds for this build. */
  declarations: string;
  /** Dev builds: the DWARF that `glue.wasm` points debuggers at, made on demand. */
  debugInfo?: DebugInfo;
}

/** Would a page running `a` see any difference in `b`? (A comment-only edit: no.) */
export function sameOutput(a: CrateOutput, b: CrateOutput): boolean {
  return a.wasmHash === b.wasmHash && a.modules.size === b.modules.size &&
    [...a.modules].every(([id, code]) => b.modules.get(id) === code);
}

/** The per-mode settings a build runs with (options resolved for dev or build). */
export interface CrateBuildSettings extends CargoBuildOptions {
  /** Applied to release builds only. */
  profile: BuildProfile;
  wasmOpt: (WasmOptSettings & Required<Pick<WasmOptOptions, "onError">>) | false;
  /** What happens to `Cargo.toml.d.ts`, or false for nothing. */
  dts: DeclarationsMode | false;
  wasmBindgen: WasmBindgenCliOptions;
  /** Build every crate with threads, not only those depending on wasm-bindgen-rayon. */
  threads: boolean;
}

export interface CrateBuilderContext {
  settings: CrateBuildSettings;
  log: Log;
  /** Serializes work per key; cargo runs are keyed by target dir. */
  serialize: <T>(key: string, task: () => Promise<T>) => Promise<T>;
  /** Aborted when the dev server closes: stops cargo and wasm-bindgen. */
  signal?: AbortSignal;
  cache: BuildCache;
  stats: BuildStats;
}

/**
 * Builds one crate through the whole pipeline (cargo → wasm-bindgen → wasm-opt →
 * declarations) and knows which files it read. When builds run (never overlapping,
 * reused until a change, one follow-up for a burst of changes) is the Rebuilder's
 * business: see rebuilder.ts.
 */
export class CrateBuilder {
  readonly manifestPath: string;
  /** When builds run; the dev server listens to it for finished rebuilds. */
  readonly rebuilds: Rebuilder<CrateOutput>;
  private readonly context: CrateBuilderContext;
  private info: CrateInfo | undefined;
  /** `--config` arguments of the build profile, worked out with the crate's metadata. */
  private profileConfig: string[] | undefined;
  private optimizer: Promise<WasmOptimizer> | undefined;
  /** Links the dev panic hook into this crate's dev builds (panic-hook/panic-hook-build.ts). */
  private readonly panicHook: PanicHookBuild;
  /** Counts manifest changes, so metadata read before one is not kept after it. */
  private manifestChanges = 0;
  /** Files whose change must rebuild the crate: the last good build's dep-info and manifests. */
  watchFiles: string[];

  constructor(manifestPath: string, context: CrateBuilderContext) {
    this.manifestPath = manifestPath;
    this.context = context;
    this.watchFiles = [manifestPath];
    this.panicHook = new PanicHookBuild(context.log);
    this.rebuilds = new Rebuilder({ run: (signal) => this.runPipeline(signal), signal: context.signal });
  }

  /** The last successful build, for serving its modules while a newer one runs. */
  get lastOutput(): CrateOutput | undefined {
    return this.rebuilds.latest;
  }

  /** The current build: the last one while nothing changed, else a fresh one. */
  build(): Promise<CrateOutput> {
    return this.rebuilds.get();
  }

  /**
   * `file` changed: the crate is out of date (a manifest also resets its metadata).
   * With `rebuild`, the build starts without waiting for a request (the dev server).
   */
  invalidate(file: string, { rebuild = false } = {}): void {
    if (/Cargo\.(toml|lock)$/.test(file)) {
      this.info = undefined;
      this.profileConfig = undefined;
      this.panicHook.reset();
      this.manifestChanges++;
    }
    if (rebuild) this.rebuilds.rebuild(file);
    else this.rebuilds.invalidate(file);
  }

  /**
   * Does a change to `file` concern this crate? Exactly the files of the last good
   * build's dep-info; before any good build (the crate was broken from the start),
   * anything in the crate's folder outside target/ but our declarations, so fixing it
   * still rebuilds.
   */
  watches(file: string): boolean {
    const absolute = path.resolve(file);
    // Our own declarations (and their temp file, renamed into place): writing them at
    // the end of a first build must not start another.
    const declarations = declarationsPath(this.manifestPath);
    if (absolute === declarations || absolute.startsWith(`${declarations}.tmp-`)) return false;
    if (this.lastOutput) return this.watchFiles.includes(absolute);
    const relative = path.relative(path.dirname(this.manifestPath), absolute);
    const targetDir = this.info?.targetDir ?? path.join(path.dirname(this.manifestPath), "target");
    return !relative.startsWith("..") && !path.isAbsolute(relative) && !isInside(absolute, targetDir);
  }

  private async runPipeline(signal: AbortSignal): Promise<CrateOutput> {
    try {
      return await this.runSteps(signal);
    } catch (error) {
      throw error instanceof CrateError ? await withCodeFrame(error) : error;
    }
  }

  private async runSteps(signal: AbortSignal): Promise<CrateOutput> {
    const { settings, log, serialize, cache, stats } = this.context;
    const started = Date.now();
    // Metadata read while a manifest changed serves this build, but is not remembered:
    // the follow-up build must read the new manifest (a git checkout changes several).
    const changes = this.manifestChanges;
    const before = { ...stats.ms };
    const loaded =
      this.info ??
      (await timed(stats.ms, "cargo", () =>
        loadCrateInfo(this.manifestPath, { signal, features: settings.features, noDefaultFeatures: settings.noDefaultFeatures }),
      ));
    const info = settings.threads && !loaded.threads ? { ...loaded, threads: true } : loaded;
    const profileConfig = this.profileConfig ?? (await this.releaseProfileConfig(info));
    if (changes === this.manifestChanges) {
      this.info = info;
      this.profileConfig = profileConfig;
    }
    const { wasmBindgenVersion } = info;
    const cli = wasmBindgenVersion && (await findWasmBindgenCli(wasmBindgenVersion, settings.wasmBindgen, log, this.manifestPath, signal));
    const profile = settings.release ? "release" : "debug";
    const outDir = path.join(info.targetDir, "vite-plugin-crate", profile, info.crateId);
    const previous = this.lastOutput;
    // Dev builds point debuggers at their DWARF, kept in a file made on demand
    // (wasm-bindgen/debug-info.ts; wasm-opt would drop it); release builds ship without it.
    const separateDwarf = !settings.release && !settings.wasmOpt;
    const shape = { outName: info.libName, keepDebug: false };

    // binaryen.js takes ~2 s to load: load it while cargo runs, once cargo has run long
    // enough to be compiling (a build with nothing to compile never pays for it).
    const wasmOpt = settings.wasmOpt;
    const prepareOptimizer = wasmOpt
      ? setTimeout(() => void this.wasmOptimizer(wasmOpt).then((optimizer) => optimizer.prepare?.(), () => undefined), PREPARE_OPTIMIZER_AFTER_MS)
      : undefined;
    // Hold the target dir from cargo's start until wasm-bindgen has read the artifact,
    // so a concurrent build of another crate cannot overwrite it in between.
    const step = await serialize(info.targetDir, async () => {
      const progress = createBuildProgress(info.packageName, info.packageCount, log, info.targetDir);
      stats.cargoRuns++;
      const { cargo, cargoWasm } = await timed(stats.ms, "cargo", () =>
        this.panicHook.cargo(info, { ...settings, profileConfig }, { signal, progress, log }),
      );
      const cargoWasmHash = sha256(cargoWasm);
      // Same bytes from cargo (a comment-only edit, a touched file): wasm-bindgen and
      // everything after it would produce the same output again.
      if (previous?.cargoWasmHash === cargoWasmHash) return { cargo, cargoWasm, cargoWasmHash, glue: undefined };
      // A raw crate: no wasm-bindgen, the module is made from the wasm itself (codegen/raw-module.ts).
      if (!cli) return { cargo, cargoWasm, cargoWasmHash, glue: { js: "", dts: "", wasm: cargoWasm, snippets: new Map<string, string>() } };
      const glue = await timed(stats.ms, "wasmBindgen", async () => {
        // With the DWARF in a file of its own, wasm-bindgen reads cargo's wasm without it:
        // the same output (it drops DWARF without --keep-debug), a fifteenth of the bytes.
        const strippedInput = `${outDir}.input.wasm`;
        if (separateDwarf) await writeFileAtomically(strippedInput, withoutDwarf(cargoWasm));
        return this.glue(cli, separateDwarf ? strippedInput : cargo.wasmPath, cargoWasmHash, { info, shape, outDir, signal });
      });
      return { cargo, cargoWasm, cargoWasmHash, glue };
    }).finally(() => clearTimeout(prepareOptimizer));
    const { cargo, cargoWasm, cargoWasmHash } = step;
    let { glue } = step;
    this.watchFiles = watchList(info, cargo.sourceFiles);
    if (!glue) {
      await this.releaseOptimizer();
      log.debug(`${info.packageName}: cargo's wasm is unchanged, wasm-bindgen skipped (${Date.now() - started} ms)`);
      // A new object all the same: the dev server brings each build to the page once.
      return { ...previous!, warnings: cargo.warnings };
    }

    let debugInfo: DebugInfo | undefined;
    if (separateDwarf && cli) {
      const fileName = `${info.crateId}-${cargoWasmHash.slice(0, 16)}.debug.wasm`;
      const separated = separateDebugInfo(glue.wasm, { fileName, cargoWasm, cli, outName: info.libName, manifestPath: this.manifestPath, signal: this.context.signal });
      glue = { ...glue, wasm: separated.wasm };
      debugInfo = separated.debugInfo;
    }
    const unoptimizedWasm = glue.wasm;
    if (settings.wasmOpt) {
      glue.wasm = await optimizeStep({
        crate: info.packageName,
        crateId: info.crateId,
        manifestPath: this.manifestPath,
        wasm: glue.wasm,
        glueJs: glue.js,
        optimizer: await this.wasmOptimizer(settings.wasmOpt),
        onError: settings.wasmOpt.onError,
        cache,
        stats,
        log,
        signal,
      });
    }
    // A cached result used no binaryen.js loaded ahead for it.
    await this.releaseOptimizer();
    // optimizeStep checked what it optimized; wasm straight from wasm-bindgen gets the engine's check.
    if (glue.wasm === unoptimizedWasm) await timed(stats.ms, "validation", () => validateWasm(glue.wasm, glue.js, this.manifestPath));
    const raw = cli ? undefined : rawInterface(glue.wasm, info, log);
    const declarations = raw ? declarationsFile(rawModuleDeclarations(raw)) : crateModuleDeclarations(withoutPanicHookDeclaration(glue.dts));
    if (settings.dts) await updateDeclarations(this.manifestPath, declarations, settings.dts, log);

    const glueId = `${GLUE_ID_PREFIX}${outDir}/${info.libName}.js`;
    const modules = new Map(raw ? [] : [[glueId, glue.js]]);
    for (const [file, code] of glue.snippets) modules.set(`${GLUE_ID_PREFIX}${outDir}/${file}`, code);
    log.debug(`built ${info.packageName} (${profile}) in ${Date.now() - started} ms: ${formatStepTimes(stats.ms, before)}`);
    return {
      info,
      glue,
      glueId,
      modules,
      cargoWasmHash,
      wasmHash: sha256(glue.wasm),
      unoptimizedWasm,
      warnings: cargo.warnings,
      ...(raw && { raw }),
      ...(debugInfo && { debugInfo }),
      declarations,
    };
  }

  /** wasm-bindgen's output for cargo's wasm: from the cache, else a run of the CLI (then cached). */
  private async glue(
    cli: string,
    wasmPath: string,
    cargoWasmHash: string,
    build: { info: CrateInfo; shape: WasmBindgenShape; outDir: string; signal: AbortSignal },
  ): Promise<Glue> {
    const { cache, stats, log } = this.context;
    const { info, shape } = build;
    // By the hash already taken: hashing megabytes of debug wasm twice shows in the edit loop.
    // The flags we pass, from the function that builds the command line: a change to
    // how wasm-bindgen is called can never bring back glue made the old way.
    const key = cacheKey("wasm-bindgen", info.wasmBindgenVersion, wasmBindgenFlags(shape), cargoWasmHash, wasmBindgenEnv());
    const cached = await cache.readGlue(info.crateId, key);
    if (cached) {
      stats.wasmBindgenCacheHits++;
      log.debug(`${info.packageName}: wasm-bindgen output from the cache (${key})`);
      return cached;
    }
    stats.wasmBindgenRuns++;
    const glue = await generateGlue({ cli, wasmPath, outDir: build.outDir, shape, manifestPath: this.manifestPath, signal: build.signal });
    await cache.writeGlue(info.crateId, key, glue);
    return glue;
  }

  /** The wasm-opt to use, chosen once per builder (PATH lookups are not free). */
  private async wasmOptimizer(settings: WasmOptSettings): Promise<WasmOptimizer> {
    try {
      this.optimizer ??= createOptimizer(settings, this.context.log);
      return await this.optimizer;
    } catch (error) {
      this.optimizer = undefined;
      throw new CrateError((error as Error).message, { file: this.manifestPath, code: "WASM_OPT_CONFIG" });
    }
  }

  /** Stops what the optimizer prepared for this build and did not use. */
  private async releaseOptimizer(): Promise<void> {
    const optimizer = await this.optimizer?.catch(() => undefined);
    optimizer?.release?.();
  }

  /** The build profile's `--config` arguments, minus what the user set (release builds only). */
  private async releaseProfileConfig(info: CrateInfo): Promise<string[]> {
    const { settings } = this.context;
    if (!settings.release || settings.profile === "none") return [];
    const userKeys = await userReleaseProfileKeys({
      workspaceRoot: info.workspaceRoot,
      cwd: info.crateDir,
      cargoArgs: settings.cargoArgs,
    });
    const overrides = profileOverrides(settings.profile, userKeys);
    if (userKeys.size > 0) {
      this.context.log.debug(`${info.packageName}: release profile keys set by the user: ${[...userKeys].join(", ")}`);
    }
    return profileConfigArgs(overrides);
  }
}

/**
 * A raw crate's interface, read from its wasm. One that exports no function is most
 * likely a crate that forgot wasm-bindgen (or `#[no_mangle]`): say so, once per build.
 */
function rawInterface(wasm: Uint8Array, info: CrateInfo, log: Log): ModuleInterface {
  const iface = readModuleInterface(wasm);
  if (!iface.exports.some((entry) => entry.kind === "function")) {
    log.warn(
      `${info.manifestPath} does not depend on wasm-bindgen and its wasm exports no function, so its module has nothing to call. ` +
        "For JS bindings, add wasm-bindgen (`cargo add wasm-bindgen`) and mark exports with #[wasm_bindgen]; " +
        'for a raw module, export functions with #[no_mangle] pub extern "C" fn.',
    );
  }
  return iface;
}

/** wasm-bindgen reads WASM_BINDGEN_* variables (externref, threads…): they shape its output. */
function wasmBindgenEnv(): [string, string][] {
  return Object.entries(process.env)
    .filter((entry): entry is [string, string] => entry[0].startsWith("WASM_BINDGEN_") && entry[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return !relative.startsWith("..") && !path.isAbsolute(relative);
}

/** Sources from dep-info plus the manifests and lock file that shape the build. */
function watchList(info: CrateInfo, sourceFiles: string[]): string[] {
  const files = new Set(sourceFiles.map((f) => path.resolve(f)));
  files.add(info.manifestPath);
  files.add(path.join(info.workspaceRoot, "Cargo.toml"));
  files.add(path.join(info.workspaceRoot, "Cargo.lock"));
  return [...files];
}
