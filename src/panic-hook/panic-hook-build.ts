import fs from "node:fs/promises";
import path from "node:path";
import { cargoBuild, type CargoBuildOptions, type CargoBuildResult } from "../cargo/build.ts";
import type { CrateInfo } from "../cargo/metadata.ts";
import { CrateError } from "../utils/error.ts";
import type { Log } from "../utils/log.ts";
import { hasForeignStdImports, mentionsPanicHook, panicHookObject, withPanicHookArgs } from "./hook-object.ts";
import { bytesOf } from "../utils/bytes.ts";

type CargoRun = Parameters<typeof cargoBuild>[2];

/**
 * Links the panic hook (hook-source.ts) into one crate's dev builds, so a Rust panic
 * shows its message in the console and the overlay without console_error_panic_hook
 * (codegen/glue-panic-reporter.ts reports it). One per crate builder: a hook that does
 * not link, or links another toolchain's std (rustc passes `--allow-undefined`, so
 * that is no link error, just a module that cannot instantiate), turns it off for the
 * crate, with one warning, and cargo runs again without it.
 */
export class PanicHookBuild {
  /** The compiled hook object, looked up once per manifest change. */
  private object: Promise<string | undefined> | undefined;
  private off = false;

  constructor(private readonly log: Log) {}

  /** A manifest changed: the toolchain may have too. */
  reset(): void {
    this.object = undefined;
  }

  /** cargo, with the hook linked when this build takes one. */
  async cargo(
    info: CrateInfo,
    options: CargoBuildOptions,
    run: CargoRun & { signal: AbortSignal },
  ): Promise<{ cargo: CargoBuildResult; cargoWasm: Uint8Array }> {
    const build = async (cargoArgs: string[], runWith: CargoRun = run) => {
      const cargo = await cargoBuild(info, { ...options, cargoArgs }, runWith);
      return { cargo, cargoWasm: bytesOf(await fs.readFile(cargo.wasmPath)) };
    };
    const hook = await this.hookFor(info, options, run.signal);
    if (!hook) return build(options.cargoArgs);
    let reason: string;
    try {
      const hooked = await build(withPanicHookArgs(options.cargoArgs, hook));
      if (!hasForeignStdImports(hooked.cargoWasm)) return hooked;
      reason = "it was compiled by another Rust toolchain than the one cargo used";
    } catch (error) {
      if (!(error instanceof CrateError) || !mentionsPanicHook(error.message)) throw error;
      reason = "it did not link";
    }
    this.off = true;
    this.object = undefined;
    this.log.warn(`${info.packageName}: panic messages are off for this crate (${reason}); add console_error_panic_hook to the crate to see them.`);
    // No progress: it already finished.
    return build(options.cargoArgs, { signal: run.signal, log: run.log });
  }

  /** The hook object for a dev build of a wasm-bindgen crate without threads, if it compiles. */
  private hookFor(info: CrateInfo, options: CargoBuildOptions, signal: AbortSignal): Promise<string | undefined> {
    if (options.release || info.threads || !info.wasmBindgenVersion || this.off) return Promise.resolve(undefined);
    this.object ??= panicHookObject(info.crateDir, path.join(info.targetDir, "vite-plugin-crate", "panic-hook"), {
      signal,
      toolchain: options.toolchain,
    }).catch((error: unknown) => {
      // Tried again next build: the wasm32 target may be installed by then.
      this.object = undefined;
      if (signal.aborted) throw error;
      this.log.debug(`${info.packageName}: building without the panic hook: ${(error as Error).message}`);
      return undefined;
    });
    return this.object;
  }
}
