import { promisify } from "node:util";
import zlib from "node:zlib";
import { sha256 } from "../cache/build-cache.ts";
import { formatBytes } from "./wasm-functions.ts";

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

/** The sizes of one shipped file, with its content's sha256. */
export interface Sizes {
  sha256: string;
  raw: number;
  gzip: number;
  brotli: number;
  /**
   * The brotli quality `brotli` was measured at: 11 (what precompressing hosts use, and
   * what an entry without this field had), or lower when 11 would have cost more than
   * the report may (see brotliQuality); then `brotli` is an estimate, a little larger.
   */
  brotliQuality?: number;
}

/** One row of the report: a file we shipped for a crate. */
export interface SizeRow extends Sizes {
  /** The crate as the table shows it: its package name. */
  crate: string;
  /** The crate's identity (lib name + manifest path hash): same-named crates stay apart. */
  crateId: string;
  /** "wasm" or "glue": with the crate id, what the previous build is matched on. */
  kind: "wasm" | "glue";
  /** Where it ended up, e.g. `assets/app_bg-1a2b.wasm` or `glue in assets/index-3c4d.js`. */
  file: string;
}

/** The previous build's rows by `crateId/kind`: the change column, and sizes to reuse. */
export type PreviousSizes = Record<string, Sizes>;

/** Reads a kept report; anything unreadable or from an older format counts as none. */
export function parsePreviousSizes(json: string): PreviousSizes | undefined {
  try {
    const parsed = JSON.parse(json) as Record<string, unknown>;
    const entries = Object.entries(parsed).filter(
      (entry): entry is [string, Sizes] => typeof (entry[1] as Sizes | null)?.sha256 === "string",
    );
    return Object.fromEntries(entries);
  } catch {
    return undefined;
  }
}

/** The quality hosts precompress with: the figure the report means by "brotli". */
export const HOST_BROTLI_QUALITY = 11;

/**
 * How fast brotli compresses wasm at each quality, in bytes per millisecond: the slowest
 * of several runs on a loaded 2-core machine (a 565 KB and a 1.7 MB wasm, Node 20's
 * zlib). Quality 11 is 30-80× slower than 9 and saves another 10-15%; below 9 sizes
 * grow a few percent per step.
 */
const BROTLI_BYTES_PER_MS: readonly [quality: number, rate: number][] = [
  [11, 200],
  [10, 230],
  [9, 1_400],
  [7, 3_600],
  [5, 13_000],
  [4, 30_000],
];

/**
 * The highest brotli quality expected to compress `bytes` within `budgetMs` (quality 4,
 * the lowest we use, when none is): the size report must never cost a build more than
 * its share, and quality 11 takes seconds on megabytes of wasm.
 */
export function brotliQuality(bytes: number, budgetMs: number): number {
  for (const [quality, rate] of BROTLI_BYTES_PER_MS) if (bytes / rate <= budgetMs) return quality;
  return BROTLI_BYTES_PER_MS.at(-1)![0];
}

/**
 * The sizes of `content`, reused from `kept` when the bytes are the same (brotli 11
 * takes ~0.7 s on a 200 KB wasm and ~6.5 s on 2.8 MB). Otherwise measured within
 * `budgetMs` (see brotliQuality), in libuv's thread pool, off the main thread.
 */
export async function sizesOf(content: Uint8Array | string, kept: Sizes | undefined, budgetMs = Infinity): Promise<Sizes> {
  const bytes = typeof content === "string" ? Buffer.from(content) : content;
  const hash = sha256(bytes);
  if (kept?.sha256 === hash) return kept;
  const quality = brotliQuality(bytes.byteLength, budgetMs);
  return { sha256: hash, ...(await measure(bytes, quality)), ...(quality !== HOST_BROTLI_QUALITY && { brotliQuality: quality }) };
}

/** gzip at level 9 and brotli at `quality`, both at once, each on a thread of libuv's pool. */
async function measure(bytes: Uint8Array, quality: number): Promise<{ raw: number; gzip: number; brotli: number }> {
  const [gzipped, brotlied] = await Promise.all([
    gzip(bytes, { level: 9 }),
    brotli(bytes, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: quality,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
      },
    }),
  ]);
  return { raw: bytes.byteLength, gzip: gzipped.byteLength, brotli: brotlied.byteLength };
}

/** Was this row's brotli figure measured below the hosts' quality (an estimate)? */
export function isEstimate(sizes: Sizes): boolean {
  return (sizes.brotliQuality ?? HOST_BROTLI_QUALITY) < HOST_BROTLI_QUALITY;
}

export function rowKey(row: Pick<SizeRow, "crateId" | "kind">): string {
  return `${row.crateId}/${row.kind}`;
}

/** "+1.2 KiB", "-312 B", "same", or "new" when the previous build did not have it. */
export function formatChange(raw: number, previous: number | undefined): string {
  if (previous === undefined) return "new";
  const delta = raw - previous;
  if (delta === 0) return "same";
  return `${delta > 0 ? "+" : "-"}${formatBytes(Math.abs(delta))}`;
}

/** The report table: one line per row, columns aligned, change against `previous` when known. */
export function formatSizeTable(rows: readonly SizeRow[], previous: PreviousSizes | undefined): string[] {
  const header = ["crate", "file", "raw", "gzip", "brotli", "change"];
  const cells = rows.map((row) => [
    row.crate,
    row.file,
    formatBytes(row.raw),
    formatBytes(row.gzip),
    `${isEstimate(row) ? "~" : ""}${formatBytes(row.brotli)}`,
    previous ? formatChange(row.raw, previous[rowKey(row)]?.raw) : "",
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column]!.length)));
  // Text columns left-aligned, numbers right-aligned.
  const line = (values: string[]) =>
    values
      .map((value, column) => (column < 2 ? value.padEnd(widths[column]!) : value.padStart(widths[column]!)))
      .join("  ")
      .trimEnd();
  const estimates = rows.filter(isEstimate);
  const note = estimates.length
    ? [`~ brotli at quality ${Math.min(...estimates.map((row) => row.brotliQuality!))} to keep the report under 5% of the build: an estimate; quality 11, as hosts precompress, is typically 10-15% smaller`]
    : [];
  return [line(header), ...cells.map(line), ...note];
}
