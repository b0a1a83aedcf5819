import fs from "node:fs/promises";
import path from "node:path";
import type { Plugin } from "vite";
import type { PluginApi } from "../api.ts";
import {
  formatSizeTable,
  parsePreviousSizes,
  rowKey,
  sizesOf,
  type PreviousSizes,
  type SizeRow,
} from "../report/size-report.ts";
import { formatBytes, formatFunctionTable, largestFunctions } from "../report/wasm-functions.ts";
import { writeFileAtomically } from "../utils/write-file.ts";
import { isPageBuild } from "./page-build.ts";

/** Where the last build's sizes are kept, to print the change against. */
const LAST_REPORT = "size-report.json";

/**
 * Prints, at the end of a build, each crate's shipped wasm and glue sizes (raw, gzip,
 * brotli) with the change since the previous build, and on request the largest
 * functions of each wasm: what to look at when the wasm is too big.
 */
export function sizeReportPlugin(api: PluginApi): Plugin {
  let rows: SizeRow[] = [];
  let functionReports: string[] = [];
  let previous: PreviousSizes | undefined;
  const reportFile = () => path.join(api.settings.cacheDir, LAST_REPORT);
  return {
    name: "vite-plugin-crate:size-report",
    apply: "build",

    async generateBundle(_options, bundle) {
      rows = [];
      functionReports = [];
      const shipped = api.shipped.get(this);
      if (!api.options.sizeReport || shipped.size === 0 || !isPageBuild(this, api)) return;
      previous = await fs.readFile(reportFile(), "utf8").then(parsePreviousSizes, () => undefined);
      const chunks = Object.values(bundle).filter((file) => file.type === "chunk");
      // Vite 8 (Rolldown) exports its minifier; elsewhere the shipped glue may be smaller than measured.
      const { minify } = api.settings;
      const measureMinified = minify === true && "rolldownVersion" in this.meta;
      const crates = [...shipped.values()];
      for (const { output, wasmFile } of crates) {
        const { packageName, crateId } = output.info;
        // Two shipped crates of one name (two workspaces' `core`) show their ids.
        const crate = crates.filter((other) => other.output.info.packageName === packageName).length > 1 ? `${packageName} (${crateId})` : packageName;
        const glueChunk = chunks.find((chunk) => output.glueId in chunk.modules);
        // The glue as rendered into its chunk (tree-shaken), else as generated.
        const rendered = (glueChunk && glueChunk.modules[output.glueId]?.code) ?? output.glue.js;
        const glue = measureMinified
          ? await minifyLikeVite(rendered)
          : { code: rendered, minified: minify === false };
        const chunkName = glueChunk?.fileName ?? "a chunk";
        const wasmName = !wasmFile
          ? `inlined in ${chunkName}`
          : "referenceId" in wasmFile ? this.getFileName(wasmFile.referenceId) : wasmFile.fileName;
        const glueFile = `glue in ${chunkName}${glue.minified ? "" : " (before minification)"}`;
        // A raw crate (no wasm-bindgen) has no glue: its module is a few lines of ours.
        const files: ["wasm" | "glue", string, Uint8Array | string][] = [["wasm", wasmName, output.glue.wasm]];
        if (!output.raw) files.push(["glue", glueFile, glue.code]);
        for (const [kind, file, content] of files) {
          rows.push({ crate, crateId, kind, file, ...(await sizesOf(content, previous?.[rowKey({ crateId, kind })])) });
        }

        const { topFunctions } = api.options.sizeReport;
        if (topFunctions > 0) functionReports.push(functionReport(crate, output.unoptimizedWasm, topFunctions));
      }
    },

    async closeBundle() {
      if (rows.length === 0) return;
      api.settings.log.info(`wasm sizes\n${formatSizeTable(rows, previous).join("\n")}`);
      for (const report of functionReports) api.settings.log.info(report);
      const sizes: PreviousSizes = { ...previous };
      for (const { sha256, raw, gzip, brotli, ...row } of rows) sizes[rowKey(row)] = { sha256, raw, gzip, brotli };
      // Only for the next report: never worth failing a build over.
      await writeFileAtomically(reportFile(), JSON.stringify(sizes, null, 2)).catch((error: Error) =>
        api.settings.log.debug(`size report not kept: ${error.message}`),
      );
      rows = [];
    },
  };
}

/**
 * Chunks are minified after modules are rendered, so a module's rendered code is not
 * what ships. Vite 8 exports its minifier (Oxc): use it to measure the glue as
 * shipped. Older Vites do not; their figure is the unminified one, labelled so.
 */
async function minifyLikeVite(code: string): Promise<{ code: string; minified: boolean }> {
  const vite = (await import("vite").catch(() => undefined)) as
    | { minify?: (file: string, code: string, options?: object) => Promise<{ code: string }> }
    | undefined;
  if (!vite?.minify) return { code, minified: false };
  try {
    // As a script: a rendered module has no exports left, and as a module the minifier
    // would drop every declaration; toplevel mangling stands in for the chunk's.
    return { code: (await vite.minify("glue.js", code, { module: false, mangle: { toplevel: true } })).code, minified: true };
  } catch {
    return { code, minified: false };
  }
}

/** The n largest functions, from the name section wasm-opt strips afterwards. */
function functionReport(crate: string, unoptimizedWasm: Uint8Array, count: number): string {
  let report;
  try {
    report = largestFunctions(unoptimizedWasm, count);
  } catch (error) {
    return `cannot list the functions of ${crate}: ${(error as Error).message}`;
  }
  const title = `largest functions of ${crate}, before wasm-opt (share of its ${formatBytes(report.totalBytes)}):`;
  const note = report.hasNames ? "" : "\n(the wasm has no name section: the crate's profile strips symbols)";
  return `${title}\n${formatFunctionTable(report).join("\n")}${note}`;
}
