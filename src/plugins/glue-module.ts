import type { PluginApi } from "../api.ts";
import { withPanicReporter } from "../codegen/glue-panic-reporter.ts";
import { withReleaseExport } from "../codegen/glue-release.ts";
import { RAYON_WORKER_HELPERS_RE, rayonWorkerHelpersCode } from "../codegen/threads.ts";
import { GLUE_ID_PREFIX } from "../crate-builder.ts";
import { CrateError, toRollupError } from "../utils/error.ts";

/** What the load hook's context gives this module: chunks to emit (threads' worker script) and errors. */
interface GlueLoadContext {
  emitFile(file: { type: "chunk"; id: string; preserveSignature: "strict" }): string;
  error(error: ReturnType<typeof toRollupError> | string): never;
}

/**
 * The code of one of our virtual modules (`\0vite-plugin-crate:…`): a crate's
 * wasm-bindgen glue or one of its snippets, from the current build, adapted to where
 * it is served:
 * - wasm-bindgen-rayon's worker script is rewritten to start its threads from a bundle
 *   (codegen/threads.ts); in builds it and the glue get chunks of their own;
 * - the glue reports panics of the dev panic hook (codegen/glue-panic-reporter.ts), and
 *   in dev can release its wasm after hot updates (codegen/glue-release.ts).
 */
export function loadGlueModule(context: GlueLoadContext, api: PluginApi, id: string): { code: string; map: null } {
  const generated = api.crates.generatedModule(id);
  if (!generated) return context.error(`${id.slice(GLUE_ID_PREFIX.length)} is not part of the current build of its crate`);
  const { code, output } = generated;
  const serve = api.settings.command === "serve";
  if (RAYON_WORKER_HELPERS_RE.test(id)) {
    const file = id.slice(GLUE_ID_PREFIX.length);
    // The glue's chunk keeps its exports (Vite builds apps with preserveEntrySignatures: false).
    const chunkUrl = (chunkId: string) =>
      `new URL(import.meta.ROLLUP_FILE_URL_${context.emitFile({ type: "chunk", id: chunkId, preserveSignature: "strict" })}, import.meta.url)`;
    try {
      return serve
        ? { code: rayonWorkerHelpersCode(code, JSON.stringify(output.glueId), "new URL(import.meta.url)", file), map: null }
        : { code: rayonWorkerHelpersCode(code, `/* @vite-ignore */ ${chunkUrl(output.glueId)}.href`, chunkUrl(id), file), map: null };
    } catch (error) {
      if (error instanceof CrateError) return context.error(toRollupError(error));
      throw error;
    }
  }
  if (id !== output.glueId) return { code, map: null };
  // A no-op for glue without the panic hook's import (release builds, threads, no hook).
  const crate = { name: output.info.packageName, workspaceRoot: output.info.workspaceRoot };
  const glue = withPanicReporter(code, crate, { overlay: api.settings.hmrOverlay ?? true });
  // Threads crates reload the page instead of taking hot updates: nothing to release.
  return { code: serve && !output.info.threads ? withReleaseExport(glue, output.info.packageName) : glue, map: null };
}
