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

/**
 * The sizes of `content`, reused from `kept` when the bytes are the same: brotli 11
 * takes ~0.7 s on a 200 KB wasm and ~6.5 s on 2.8 MB, most of a cached build.
 */
export async function sizesOf(content: Uint8Array | string, kept: Sizes | undefined): Promise<Sizes> {
  const bytes = typeof content === "string" ? Buffer.from(content) : content;
  const hash = sha256(bytes);
  if (kept?.sha256 === hash) return kept;
  return { sha256: hash, ...(await measure(bytes)) };
}

/**
 * Sizes of `content` as hosts send it: gzip at level 9 and brotli at quality 11 (what
 * precompressing hosts and CDNs use). Compressed in libuv's thread pool, not on the
 * event loop: brotli 11 takes a while on megabytes of wasm.
 */
async function measure(content: Uint8Array | string): Promise<{ raw: number; gzip: number; brotli: number }> {
  const bytes = typeof content === "string" ? Buffer.from(content) : content;
  const [gzipped, brotlied] = await Promise.all([
    gzip(bytes, { level: 9 }),
    brotli(bytes, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
      },
    }),
  ]);
  return { raw: bytes.byteLength, gzip: gzipped.byteLength, brotli: brotlied.byteLength };
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
    formatBytes(row.brotli),
    previous ? formatChange(row.raw, previous[rowKey(row)]?.raw) : "",
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column]!.length)));
  // Text columns left-aligned, numbers right-aligned.
  const line = (values: string[]) =>
    values
      .map((value, column) => (column < 2 ? value.padEnd(widths[column]!) : value.padStart(widths[column]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...cells.map(line)];
}
