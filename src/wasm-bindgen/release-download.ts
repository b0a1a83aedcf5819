import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as tar from "tar";

/** Where wasm-bindgen's releases are published (the repository moved from rustwasm/ in 2025; old releases moved with it). */
export const RELEASE_BASE_URL = "https://github.com/wasm-bindgen/wasm-bindgen/releases/download";

/** The first release that publishes a `.sha256sum` beside each archive: older ones cannot be verified. */
const FIRST_CHECKSUMMED = [0, 2, 88];
/** The first release with a static (musl) Linux arm64 build; before it, only a glibc one. */
const FIRST_ARM64_MUSL = [0, 2, 104];

/** A release archive holds a few megabytes; anything past this is not one. */
const MAX_ARCHIVE_BYTES = 200 * 1024 * 1024;

function versionAtLeast(version: string, minimum: number[]): boolean {
  const parts = version.split(/[.+-]/).slice(0, 3).map(Number);
  for (let i = 0; i < 3; i++) {
    if (parts[i] !== minimum[i]) return (parts[i] ?? 0) > minimum[i]!;
  }
  return true;
}

/**
 * The release target triple for this machine, as wasm-bindgen's release workflow names
 * its archives, or undefined where no prebuilt CLI exists (then cargo builds it).
 * Linux gets the static musl builds, which run on any libc.
 */
export function releaseTarget(version: string, platform = process.platform, arch = process.arch): string | undefined {
  if (!versionAtLeast(version, FIRST_CHECKSUMMED)) return undefined;
  if (platform === "linux" && arch === "x64") return "x86_64-unknown-linux-musl";
  if (platform === "linux" && arch === "arm64") {
    return versionAtLeast(version, FIRST_ARM64_MUSL) ? "aarch64-unknown-linux-musl" : "aarch64-unknown-linux-gnu";
  }
  if (platform === "darwin" && arch === "x64") return "x86_64-apple-darwin";
  if (platform === "darwin" && arch === "arm64") return "aarch64-apple-darwin";
  if (platform === "win32" && arch === "x64") return "x86_64-pc-windows-msvc";
  return undefined;
}

/** The archive of one version for one target, the checksum file beside it, and the folder inside. */
export function releaseArchive(baseUrl: string, version: string, target: string) {
  const name = `wasm-bindgen-${version}-${target}`;
  const archiveUrl = `${baseUrl.replace(/\/+$/, "")}/${version}/${name}.tar.gz`;
  return { folder: name, archiveUrl, checksumUrl: `${archiveUrl}.sha256sum` };
}

/**
 * The hash in a `.sha256sum` file. The release workflow writes it with `sha256sum`,
 * so it reads `<hex>  gh-release/<archive>`: only the first field is the hash.
 */
export function parseChecksumFile(text: string): string | undefined {
  const first = text.trim().split(/\s+/)[0]?.toLowerCase();
  return first && /^[0-9a-f]{64}$/.test(first) ? first : undefined;
}

/** Why a download did not give a usable CLI: the caller says so in one line and builds it with cargo. */
export class DownloadError extends Error {}

/** Was the download stopped by the caller (server closing, Ctrl+C) rather than by its own timeout? */
function cancelledByCaller(signal: AbortSignal): boolean {
  return signal.aborted && (signal.reason as Error | undefined)?.name !== "TimeoutError";
}

async function fetchBytes(url: string, signal: AbortSignal, limit: number): Promise<Buffer> {
  const failed = (what: string, error: unknown): never => {
    if (cancelledByCaller(signal)) throw signal.reason;
    if (signal.aborted) throw new DownloadError(`${what} ${url} timed out`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new DownloadError(`${what} ${url} failed (${cause?.code ?? cause?.message ?? (error as Error).message})`);
  };
  const response = await fetch(url, { signal, redirect: "follow" }).catch((error) => failed("reaching", error));
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    throw new DownloadError(`${url} answered ${response.status} ${response.statusText}`.trim());
  }
  // Counted while reading: a chunked response declares no length up front.
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      size += read.value.length;
      if (size > limit) throw new DownloadError(`${url} sends more than ${limit} bytes: not a release file`);
      chunks.push(read.value);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    if (error instanceof DownloadError) throw error;
    failed("downloading", error);
  }
  return Buffer.concat(chunks);
}

export interface DownloadOptions {
  version: string;
  /** Release host, for mirrors and tests: `<base>/<version>/wasm-bindgen-<version>-<target>.tar.gz`. */
  baseUrl: string;
  target: string;
  /** An empty folder to unpack into: the caller renames it into place once the CLI runs. */
  destination: string;
  signal?: AbortSignal;
  /** Whole download, both files. */
  timeoutMs?: number;
}

/**
 * Downloads the release archive of one wasm-bindgen version, checks it against the
 * checksum file published beside it, and unpacks the `wasm-bindgen` executable into
 * `destination/bin/`. Nothing is unpacked from an archive that does not match.
 * Returns the executable's path.
 */
export async function downloadRelease(options: DownloadOptions): Promise<string> {
  const { version, target, destination } = options;
  const release = releaseArchive(options.baseUrl, version, target);
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 120_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;

  const checksumText = (await fetchBytes(release.checksumUrl, signal, 4096)).toString("utf8");
  const expected = parseChecksumFile(checksumText);
  if (!expected) throw new DownloadError(`${release.checksumUrl} holds no sha256 hash`);
  const archive = await fetchBytes(release.archiveUrl, signal, MAX_ARCHIVE_BYTES);
  const actual = createHash("sha256").update(archive).digest("hex");
  if (actual !== expected) {
    throw new DownloadError(
      `the archive does not match its published checksum (sha256 ${actual}, expected ${expected}): damaged or altered in transit`,
    );
  }

  const executable = target.includes("windows") ? "wasm-bindgen.exe" : "wasm-bindgen";
  const inside = `${release.folder}/${executable}`;
  const binDir = path.join(destination, "bin");
  await fs.mkdir(binDir, { recursive: true });
  let found = false;
  try {
    await pipeline(
      Readable.from(archive),
      tar.x({
        cwd: binDir,
        strip: 1,
        // The one file we run; the archive's other tools and docs stay out of the cache.
        filter: (entry) => {
          const match = entry.replace(/^\.\//, "") === inside;
          found ||= match;
          return match;
        },
      }),
    );
  } catch (error) {
    throw new DownloadError(`the archive cannot be unpacked (${(error as Error).message})`);
  }
  if (!found) throw new DownloadError(`the archive has no ${inside}`);
  const file = path.join(binDir, executable);
  await fs.chmod(file, 0o755);
  return file;
}
