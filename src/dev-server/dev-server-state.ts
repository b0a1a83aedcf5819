import path from "node:path";
import type { ViteDevServer } from "vite";
import type { CrateBuilder, CrateOutput } from "../crate-builder.ts";
import { DEV_WASM_PREFIX, type ServedWasm } from "./wasm-middleware.ts";

/**
 * What the dev server knows beyond Vite's module graphs, made in `configureServer`:
 * the wasm it serves to browsers, and what the browser page last received of each
 * crate. Browsers (and their workers) are the `client` environment; SSR and Vitest
 * modules read wasm from disk (see node-wasm-file.ts) and get no hot updates of their
 * own: invalidating their module is enough, the next request or test run evaluates
 * the new build.
 */
export class DevServerState {
  /**
   * Wasm the middleware may serve, by URL path below `base` (only what we built): the
   * bytes, or for a debug file (see wasm-bindgen/debug-info.ts) the function making them.
   */
  readonly wasmByUrl = new Map<string, ServedWasm>();
  /** The build the browser page last received of each crate: updates compare against it. */
  readonly delivered = new Map<string, CrateOutput>();
  /**
   * Crates whose last browser load failed: the page never ran them, so when they build
   * again the page needs a full reload rather than a hot update.
   */
  readonly failedLoads = new Set<string>();
  /**
   * May the dev server load this file? Vite's `server.fs` rules; plugin `load` hooks
   * bypass them, so the plugin asks before compiling a crate for a browser.
   */
  readonly isLoadingAllowed: (file: string) => boolean;
  private readonly server: ViteDevServer;

  constructor(server: ViteDevServer, isLoadingAllowed: (file: string) => boolean) {
    this.server = server;
    this.isLoadingAllowed = isLoadingAllowed;
  }

  /**
   * The URL (below `base`) browsers fetch this build's wasm from. The wasm's hash is
   * in it, so no cache ever serves old bytes; the crate id (not its name) keeps two
   * same-named crates apart. The crate's previous URL stops being served.
   */
  wasmUrl(output: CrateOutput): string {
    const crate = `${DEV_WASM_PREFIX}${output.info.crateId}-`;
    const urlPath = `${crate}${output.wasmHash.slice(0, 16)}.wasm`;
    // The wasm names its debug file relative to its own URL: the same folder.
    const debugPath = output.debugInfo && `${DEV_WASM_PREFIX}${output.debugInfo.fileName}`;
    for (const url of this.wasmByUrl.keys()) {
      if (url.startsWith(crate) && url !== urlPath && url !== debugPath) this.wasmByUrl.delete(url);
    }
    this.wasmByUrl.set(urlPath, output.glue.wasm);
    if (debugPath) this.wasmByUrl.set(debugPath, output.debugInfo!.wasm);
    return urlPath;
  }

  /**
   * Watches a crate's folder until its first good build tells which files it reads
   * (the folder may lie outside the Vite root), so a crate broken from the start
   * recovers when it is fixed.
   */
  watchCrateFolder(builder: CrateBuilder): void {
    this.server.watcher.add(path.dirname(builder.manifestPath));
  }

  /** Watches what a good build read; never the target dir, which every build rewrites. */
  watchBuild(builder: CrateBuilder, output: CrateOutput): void {
    this.server.watcher.add(builder.watchFiles);
    // A CARGO_TARGET_DIR inside the root under another name than target/.
    const relative = path.relative(this.server.config.root, output.info.targetDir);
    if (!relative.startsWith("..") && !path.isAbsolute(relative)) this.server.watcher.unwatch(output.info.targetDir);
  }
}
