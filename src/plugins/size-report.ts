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
  type Sizes,
  type SizeRow,
} from "../report/size-report.ts";
import { formatBytes, formatFunctionTable, largestFunctions } from "../report/wasm-functions.ts";
import { writeFileAtomically } from "../utils/write-file.ts";
import { isPageBuild } from "./page-build.ts";

/** Where the last build's sizes are kept, to print the change against. */
const LAST_REPORT = "size-report.json";

/** The most of a build's time the report may cost: its brotli quality is chosen to fit. */
const BUDGET_SHARE = 0.05;

/**
 * Prints, at the end of a build, each crate's shipped wasm and glue sizes (raw, gzip,
 * brotli) with the change since the previous build, and on request the largest
 * functions of each wasm: what to look at when the wasm is too big.
 *
 * The wasm is compressed from `buildEnd` on, in libuv's thread pool, while the bundle
 * is rendered and written; only `closeBundle` waits for it. Its brotli quality is the
 * highest expected to finish within 5% of the build so far: quality 11 on megabytes of
 * wasm takes seconds, and the table marks a lower quality's figure as an estimate.
 */
export function sizeReportPlugin(api: PluginApi): Plugin {
  let started = 0;
  let previous: Promise<PreviousSizes | undefined> = Promise.resolve(undefined);
  /** Each shipped crate's wasm sizes, being measured since buildEnd, by manifest path. */
  let wasmSizes = new Map<string, Promise<Sizes>>();
  /** The rows of the report, measured while the bundle is written. */
  let rows: Promise<SizeRow>[] = [];
  let functionReports: string[] = [];
  const reportFile = () => path.join(api.settings.cacheDir, LAST_REPORT);
  /** The previous build's sizes of a file, to reuse when its bytes are the same. */
  const kept = (row: Pick<SizeRow, "crateId" | "kind">) => previous.then((sizes) => sizes?.[rowKey(row)]);
  const enabled = (context: object) => !!api.options.sizeReport && api.shipped.get(context).size > 0 && isPageBuild(context, api);
  return {
    name: "vite-plugin-crate:size-report",
    apply: "build",

    buildStart() {
      started = performance.now();
      wasmSizes = new Map();
      previous = api.options.sizeReport ? fs.readFile(reportFile(), "utf8").then(parsePreviousSizes, () => undefined) : Promise.resolve(undefined);
    },

    buildEnd(error) {
      if (error || !enabled(this)) return;
      // 5% of the build so far: at this point, most of a cold build (cargo is done).
      const budgetMs = (performance.now() - started) * BUDGET_SHARE;
      for (const [manifest, { output }] of api.shipped.get(this)) {
        const keptSizes = kept({ crateId: output.info.crateId, kind: "wasm" });
        wasmSizes.set(manifest, keptSizes.then((sizes) => sizesOf(output.glue.wasm, sizes, budgetMs)));
      }
    },

    generateBundle(_options, bundle) {
      rows = [];
      functionReports = [];
      if (!enabled(this)) return;
      const chunks = Object.values(bundle).filter((file) => file.type === "chunk");
      // Vite 8 (Rolldown) exports its minifier; elsewhere the shipped glue may be smaller than measured.
      const { minify } = api.settings;
      const measureMinified = minify === true && "rolldownVersion" in this.meta;
      const crates = [...api.shipped.get(this)];
      for (const [manifest, { output, wasmFile }] of crates) {
        const { packageName, crateId } = output.info;
        // Two shipped crates of one name (two workspaces' `core`) show their ids.
        const crate = crates.filter(([, other]) => other.output.info.packageName === packageName).length > 1 ? `${packageName} (${crateId})` : packageName;
        const glueChunk = chunks.find((chunk) => output.glueId in chunk.modules);
        const chunkName = glueChunk?.fileName ?? "a chunk";
        const wasmName = !wasmFile
          ? `inlined in ${chunkName}`
          : "referenceId" in wasmFile ? this.getFileName(wasmFile.referenceId) : wasmFile.fileName;
        const row = { crate, crateId };
        rows.push(wasmSizes.get(manifest)!.then((sizes) => ({ ...row, kind: "wasm", file: wasmName, ...sizes })));
        // A raw crate (no wasm-bindgen) has no glue: its module is a few lines of ours.
        if (!output.raw) {
          // The glue as rendered into its chunk (tree-shaken), else as generated.
          const rendered = (glueChunk && glueChunk.modules[output.glueId]?.code) ?? output.glue.js;
          const glue = measureMinified ? minifyLikeVite(rendered) : Promise.resolve({ code: rendered, minified: minify === false });
          rows.push(
            Promise.all([glue, kept({ crateId, kind: "glue" })]).then(async ([{ code, minified }, keptSizes]) => ({
              ...row,
              kind: "glue",
              file: `glue in ${chunkName}${minified ? "" : " (before minification)"}`,
              ...(await sizesOf(code, keptSizes)),
            })),
          );
        }
        const { topFunctions } = api.options.sizeReport || { topFunctions: 0 };
        if (topFunctions > 0) functionReports.push(functionReport(crate, output.unoptimizedWasm, topFunctions));
      }
    },

    async closeBundle() {
      if (rows.length === 0) return;
      // What the build waits for: compression runs from buildEnd while the bundle is written.
      const waited = performance.now();
      const [measured, previousSizes] = await Promise.all([Promise.all(rows), previous]);
      rows = [];
      api.crates.stats.ms.sizeReport += performance.now() - waited;
      api.settings.log.info(`wasm sizes\n${formatSizeTable(measured, previousSizes).join("\n")}`);
      for (const report of functionReports) api.settings.log.info(report);
      const sizes: PreviousSizes = { ...previousSizes };
      // What a row holds beyond where it is: its sizes, kept as they are.
      for (const { crate, crateId, kind, file, ...measuredSizes } of measured) sizes[rowKey({ crateId, kind })] = measuredSizes;
      // Only for the next report: never worth failing a build over.
      await writeFileAtomically(reportFile(), JSON.stringify(sizes, null, 2)).catch((error: Error) =>
        api.settings.log.debug(`size report not kept: ${error.message}`),
      );
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
