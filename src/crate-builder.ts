import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { cargoBuild, type CargoBuildOptions } from "./cargo/build.ts";
import { createBuildProgress } from "./cargo/progress.ts";
import { withCodeFrame } from "./diagnostics/code-frame.ts";
import { loadCrateInfo, type CrateInfo } from "./cargo/metadata.ts";
import type { WasmOptOptions } from "./options.ts";
import { CrateError } from "./utils/error.ts";
import type { Log } from "./utils/log.ts";
import { findWasmBindgenCli, type WasmBindgenCliOptions } from "./wasm-bindgen/cli.ts";
import { crateModuleDeclarations } from "./wasm-bindgen/dts.ts";
import { generateGlue, type Glue } from "./wasm-bindgen/generate.ts";
import { optimizeWasm } from "./wasm-opt/optimize.ts";

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
}

/** Would a page running `a` see any difference in `b`? (A comment-only edit: no.) */
export function sameOutput(a: CrateOutput, b: CrateOutput): boolean {
  return a.wasmHash === b.wasmHash && a.modules.size === b.modules.size &&
    [...a.modules].every(([id, code]) => b.modules.get(id) === code);
}

/** The per-mode settings a build runs with (options resolved for dev or build). */
export interface CrateBuildSettings extends CargoBuildOptions {
  wasmOpt: Required<Pick<WasmOptOptions, "level" | "onError">> | false;
  dts: boolean;
  wasmBindgen: WasmBindgenCliOptions;
}

export interface CrateBuilderContext {
  settings: CrateBuildSettings;
  log: Log;
  /** Serializes work per key; cargo runs are keyed by target dir. */
  serialize: <T>(key: string, task: () => Promise<T>) => Promise<T>;
  /** Aborted when the dev server closes: stops cargo and wasm-bindgen. */
  signal?: AbortSignal;
}

/**
 * Builds one crate through the whole pipeline (cargo → wasm-bindgen → wasm-opt →
 * declarations) and remembers the result until a watched file changes. Builds never
 * overlap: a request during a build waits for it, and changes that arrive during a
 * build cause exactly one follow-up build.
 */
export class CrateBuilder {
  readonly manifestPath: string;
  private readonly context: CrateBuilderContext;
  private info: CrateInfo | undefined;
  private stale = true;
  private running: Promise<CrateOutput> | undefined;
  private last: Promise<CrateOutput> | undefined;
  /** Files whose change must rebuild the crate: the last good build's dep-info and manifests. */
  watchFiles: string[];
  /** The last successful build, for serving its modules while a newer one runs. */
  lastOutput: CrateOutput | undefined;

  constructor(manifestPath: string, context: CrateBuilderContext) {
    this.manifestPath = manifestPath;
    this.context = context;
    this.watchFiles = [manifestPath];
  }

  /** Marks the crate out of date after `file` changed; manifests also reset metadata. */
  invalidate(file?: string): void {
    this.stale = true;
    if (!file || /Cargo\.(toml|lock)$/.test(file)) this.info = undefined;
  }

  /**
   * Does a change to `file` concern this crate? Exactly the files of the last good
   * build's dep-info; before any good build (the crate was broken from the start),
   * anything in the crate's folder outside target/, so fixing it still rebuilds.
   */
  watches(file: string): boolean {
    const absolute = path.resolve(file);
    if (this.lastOutput) return this.watchFiles.includes(absolute);
    const relative = path.relative(path.dirname(this.manifestPath), absolute);
    const targetDir = this.info?.targetDir ?? path.join(path.dirname(this.manifestPath), "target");
    return !relative.startsWith("..") && !path.isAbsolute(relative) && !isInside(absolute, targetDir);
  }

  /** The current build: the cached one while nothing changed, else a fresh one. */
  build(): Promise<CrateOutput> {
    if (this.running) {
      const rerun = () => this.build();
      return this.running.then(rerun, rerun);
    }
    if (!this.stale && this.last) return this.last;
    this.stale = false;
    const run = this.runPipeline();
    this.running = run;
    this.last = run;
    const done = () => {
      if (this.running === run) this.running = undefined;
    };
    run.then((output) => {
      this.lastOutput = output;
      done();
    }, done);
    return run;
  }

  /** True while a change has not been built yet (a newer build is coming). */
  get isStale(): boolean {
    return this.stale;
  }

  /** Is a build running right now? */
  get isBuilding(): boolean {
    return this.running !== undefined;
  }

  /** Resolves once no build is running (whatever its outcome). */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }

  private async runPipeline(): Promise<CrateOutput> {
    try {
      return await this.runSteps();
    } catch (error) {
      throw error instanceof CrateError ? await withCodeFrame(error) : error;
    }
  }

  private async runSteps(): Promise<CrateOutput> {
    const { settings, log, serialize, signal } = this.context;
    const started = Date.now();
    this.info ??= await loadCrateInfo(this.manifestPath, { signal });
    const info = this.info;
    const cli = await findWasmBindgenCli(info.wasmBindgenVersion, settings.wasmBindgen, log, this.manifestPath, signal);
    const profile = settings.release ? "release" : "debug";
    const outDir = path.join(info.targetDir, "vite-plugin-crate", profile, info.libName);
    const previous = this.lastOutput;

    // Hold the target dir from cargo's start until wasm-bindgen has read the artifact,
    // so a concurrent build of another crate cannot overwrite it in between.
    const step = await serialize(info.targetDir, async () => {
      const progress = createBuildProgress(info.packageName, info.packageCount, log, info.targetDir);
      const cargo = await cargoBuild(info, settings, { signal, progress });
      const cargoWasmHash = sha256(await fs.readFile(cargo.wasmPath));
      // Same bytes from cargo (a comment-only edit, a touched file): wasm-bindgen and
      // everything after it would produce the same output again.
      if (previous?.cargoWasmHash === cargoWasmHash) return { cargo, cargoWasmHash, glue: undefined };
      const glue = await generateGlue({
        cli,
        wasmPath: cargo.wasmPath,
        outDir,
        outName: info.libName,
        manifestPath: this.manifestPath,
        signal,
      });
      return { cargo, cargoWasmHash, glue };
    });
    const { cargo, cargoWasmHash, glue } = step;
    this.watchFiles = watchList(info, cargo.sourceFiles);
    for (const warning of cargo.warnings) log.warn(`warning in ${info.packageName}:\n${warning}`);
    if (!glue) {
      log.debug(`${info.packageName}: cargo's wasm is unchanged, wasm-bindgen skipped (${Date.now() - started} ms)`);
      // A new object all the same: the dev server brings each build to the page once.
      return { ...previous! };
    }

    if (settings.wasmOpt) glue.wasm = await this.optimize(glue.wasm, settings.wasmOpt);
    if (!WebAssembly.validate(glue.wasm as Uint8Array<ArrayBuffer>)) {
      throw new CrateError(
        `The wasm built from ${this.manifestPath} does not validate. Try wasmOpt: false to see whether optimization broke it, and report it with the crate attached.`,
        { file: this.manifestPath, code: "INVALID_WASM" },
      );
    }
    if (settings.dts) await writeIfChanged(`${this.manifestPath}.d.ts`, crateModuleDeclarations(glue.dts, this.manifestPath));

    const glueId = `${GLUE_ID_PREFIX}${outDir}/${info.libName}.js`;
    const modules = new Map([[glueId, glue.js]]);
    for (const [file, code] of glue.snippets) modules.set(`${GLUE_ID_PREFIX}${outDir}/${file}`, code);
    log.debug(`built ${info.packageName} (${profile}) in ${Date.now() - started} ms`);
    const wasmHash = sha256(glue.wasm);
    return {
      info,
      glue,
      glueId,
      modules,
      cargoWasmHash,
      wasmHash,
    };
  }

  private async optimize(
    wasm: Uint8Array,
    wasmOpt: Required<Pick<WasmOptOptions, "level" | "onError">>,
  ): Promise<Uint8Array> {
    try {
      return await optimizeWasm(wasm, wasmOpt.level);
    } catch (error) {
      const message =
        `wasm-opt -O${wasmOpt.level} failed on the wasm built from ${this.manifestPath}: ${(error as Error).message}\n` +
        'Set wasmOpt: { onError: "warn" } to ship the unoptimized wasm, or wasmOpt: false to skip optimization.';
      if (wasmOpt.onError === "error") {
        throw new CrateError(message, { file: this.manifestPath, code: "WASM_OPT_FAILED", cause: error });
      }
      this.context.log.warn(`${message}\nShipping the unoptimized wasm.`);
      return wasm;
    }
  }
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return !relative.startsWith("..") && !path.isAbsolute(relative);
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Sources from dep-info plus the manifests and lock file that shape the build. */
function watchList(info: CrateInfo, sourceFiles: string[]): string[] {
  const files = new Set(sourceFiles.map((f) => path.resolve(f)));
  files.add(info.manifestPath);
  files.add(path.join(info.workspaceRoot, "Cargo.toml"));
  files.add(path.join(info.workspaceRoot, "Cargo.lock"));
  return [...files];
}

async function writeIfChanged(file: string, content: string): Promise<void> {
  const current = await fs.readFile(file, "utf8").catch(() => undefined);
  if (current === content) return; // an unchanged write would still wake watchers and tsc
  const temp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(temp, content);
  await fs.rename(temp, file);
}
