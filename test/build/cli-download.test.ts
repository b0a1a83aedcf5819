import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { execa } from "execa";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import crate from "../../src/index.ts";
import { cachedCliPath, cliVersion } from "../../src/wasm-bindgen/cli-version.ts";
import { installCli, type InstallRequest } from "../../src/wasm-bindgen/install.ts";
import { releaseTarget } from "../../src/wasm-bindgen/release-download.ts";
import { captureLogger } from "../helpers/capture-logger.ts";
import { withEnv } from "../helpers/env.ts";
import { FIXTURES, REPO_ROOT } from "../helpers/fixtures.ts";
import { releaseFiles, sha256, startReleaseHost } from "../helpers/release-host.ts";
import { tempOutDir } from "../helpers/servers.ts";
import { realWasmBindgen } from "../helpers/tool-shims.ts";

/**
 * The wasm-bindgen CLI from a release host, against a local server that serves
 * release-shaped archives made here from the real CLI. `0.2.130` is the version the
 * fixtures use; failure cases ask for `0.2.999`, which crates.io does not have, so the
 * `cargo install` fallback they end in fails in seconds instead of building for minutes.
 */
const VERSION = "0.2.130";
const MISSING = "0.2.999";
const target = releaseTarget(VERSION)!;

let host: Awaited<ReturnType<typeof startReleaseHost>>;
let good: Awaited<ReturnType<typeof releaseFiles>>;
let mislabelled: Awaited<ReturnType<typeof releaseFiles>>;
let scratch: string;

beforeAll(async () => {
  expect(target, `no wasm-bindgen release is published for ${process.platform}/${process.arch}`).toBeDefined();
  scratch = tempOutDir("cli-download");
  const cli = await realWasmBindgen();
  host = await startReleaseHost();
  good = await releaseFiles(VERSION, target, cli, scratch);
  // The real 0.2.130 CLI in an archive named 0.2.999.
  mislabelled = await releaseFiles(MISSING, target, cli, scratch);
});
afterAll(() => host?.close());

function serve(files: { archivePath: string; checksumPath: string }, archive: Buffer | string, checksum: string): void {
  host.routes.clear();
  host.routes.set(files.archivePath, { body: archive });
  host.routes.set(files.checksumPath, { body: checksum });
}

/** An install into a fresh cache folder from the local host; the plugin's lines go to `lines`. */
function request(version: string, lines: string[], extra: Partial<InstallRequest> = {}): InstallRequest {
  const keep = (message: string) => void lines.push(message);
  return {
    version,
    cacheDir: tempOutDir("cli-cache"),
    download: host.baseUrl,
    manifestPath: "/app/crate/Cargo.toml",
    onPath: undefined,
    log: { info: keep, warn: keep, error: keep, debug: () => undefined },
    ...extra,
  };
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Nothing but finished installs in the cache folder: no lock, no private install folder. */
function cacheEntries(cacheDir: string): string[] {
  return fs.readdirSync(cacheDir).sort();
}

describe("the wasm-bindgen CLI is downloaded, verified and installed", () => {
  test("a reachable release host: installed in seconds, and it runs", async () => {
    serve(good, good.archive, good.checksum);
    const lines: string[] = [];
    const req = request(VERSION, lines);
    const started = performance.now();
    await installCli(req);
    const seconds = (performance.now() - started) / 1000;
    console.log(`[figure] wasm-bindgen ${VERSION} installed from a local release host in ${seconds.toFixed(2)} s`);
    expect(await cliVersion(cachedCliPath(req.cacheDir, VERSION))).toBe(VERSION);
    expect(cacheEntries(req.cacheDir)).toEqual([VERSION]);
    expect(fs.readdirSync(path.join(req.cacheDir, VERSION, "bin"))).toEqual(["wasm-bindgen"]);
    expect(lines.join("\n")).toMatch(/installed wasm-bindgen 0\.2\.130 in [\d.]+ s \(downloaded, checksum verified\)/);
    expect(host.requests).toEqual([good.checksumPath, good.archivePath]);
  });

  test("two installs at once download once; the second waits for the first", async () => {
    host.routes.clear();
    host.routes.set(good.checksumPath, { body: good.checksum });
    host.routes.set(good.archivePath, { body: good.archive, delayMs: 1500 });
    host.requests.length = 0;
    const lines: string[] = [];
    const first = request(VERSION, lines);
    const second = { ...first };
    await Promise.all([installCli(first), installCli(second)]);
    expect(host.requests.filter((url) => url === good.archivePath)).toHaveLength(1);
    expect(lines.join("\n")).toContain("waiting for another process that is installing wasm-bindgen 0.2.130");
    expect(await cliVersion(cachedCliPath(first.cacheDir, VERSION))).toBe(VERSION);
    expect(cacheEntries(first.cacheDir)).toEqual([VERSION]);
  });
});

describe("a download that cannot be trusted is never installed: one line says why, then cargo install", () => {
  const cases: [string, () => void, RegExp][] = [
    [
      "a wrong checksum",
      () => serve(mislabelled, mislabelled.archive, `${"0".repeat(64)}  gh-release/x.tar.gz\n`),
      /does not match its published checksum/,
    ],
    [
      "a truncated archive (checksum of the whole one)",
      () => serve(mislabelled, mislabelled.archive.subarray(0, 1000), mislabelled.checksum),
      /does not match its published checksum/,
    ],
    [
      "a truncated archive whose checksum matches what was sent",
      () => {
        const cut = mislabelled.archive.subarray(0, Math.floor(mislabelled.archive.length / 2));
        serve(mislabelled, cut, `${sha256(cut)}  gh-release/x.tar.gz\n`);
      },
      /cannot be unpacked/,
    ],
    [
      "an archive holding another version's CLI",
      () => serve(mislabelled, mislabelled.archive, mislabelled.checksum),
      /the downloaded CLI reports version 0\.2\.130/,
    ],
    ["no release for the version (404)", () => host.routes.clear(), /answered 404/],
    ["a checksum file that holds no hash", () => serve(mislabelled, mislabelled.archive, "<html>"), /holds no sha256 hash/],
  ];

  test.each(cases)("%s", async (_name, setUp, reason) => {
    setUp();
    const lines: string[] = [];
    const req = request(MISSING, lines);
    await expect(installCli(req)).rejects.toMatchObject({ code: "WASM_BINDGEN_INSTALL" });
    const warning = lines.find((line) => line.startsWith(`could not download wasm-bindgen ${MISSING}`));
    expect(warning).toMatch(reason);
    expect(warning).toContain("Building it with `cargo install` instead");
    // One line says it all: no second announcement of the cargo install.
    expect(lines.filter((line) => line.startsWith("installing wasm-bindgen-cli"))).toEqual([]);
    // cargo install ran (and failed: crates.io has no 0.2.999); nothing was left behind.
    expect(cacheEntries(req.cacheDir)).toEqual([]);
  });

  test("an unreachable host", async () => {
    const lines: string[] = [];
    const req = request(MISSING, lines, { download: `http://127.0.0.1:${await closedPort()}/releases/download` });
    await expect(installCli(req)).rejects.toMatchObject({ code: "WASM_BINDGEN_INSTALL" });
    expect(lines.find((line) => line.startsWith("could not download"))).toMatch(/failed \(ECONNREFUSED\)/);
    expect(cacheEntries(req.cacheDir)).toEqual([]);
  });

  test("downloads turned off: cargo install straight away, no request", async () => {
    host.requests.length = 0;
    const lines: string[] = [];
    const req = request(MISSING, lines, { download: false });
    await expect(installCli(req)).rejects.toMatchObject({ code: "WASM_BINDGEN_INSTALL" });
    expect(lines.join("\n")).toContain(`cargo install wasm-bindgen-cli --version =${MISSING}`);
    expect(lines.join("\n")).not.toContain("download");
    expect(host.requests).toEqual([]);
  });
});

test("Ctrl+C during a download leaves nothing that passes for installed, and the next install works", async () => {
  // A child process installs from a host that stalls halfway through the archive.
  host.routes.clear();
  host.routes.set(good.checksumPath, { body: good.checksum });
  host.routes.set(good.archivePath, { body: good.archive, stallAfter: Math.floor(good.archive.length / 2) });
  host.requests.length = 0;
  const cacheDir = tempOutDir("cli-cache");
  await execa("npm", ["run", "build"], { cwd: REPO_ROOT });
  const script = path.join(scratch, "install-child.mjs");
  const installModule = path.join(REPO_ROOT, "dist/wasm-bindgen/install.js");
  fs.writeFileSync(
    script,
    `import { installCli } from ${JSON.stringify(installModule)};
const log = { info: console.log, warn: console.log, error: console.log, debug() {} };
await installCli({ version: ${JSON.stringify(VERSION)}, cacheDir: ${JSON.stringify(cacheDir)}, download: ${JSON.stringify(host.baseUrl)}, manifestPath: "Cargo.toml", onPath: undefined, log });
console.log("finished");
`,
  );
  const child = execa("node", [script], { reject: false, all: true });
  const deadline = Date.now() + 30_000;
  while (!host.requests.includes(good.archivePath) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(host.requests).toContain(good.archivePath);
  await new Promise((r) => setTimeout(r, 300));
  child.kill("SIGINT");
  const result = await child;
  expect(result.all).not.toContain("finished");
  expect(fs.existsSync(cachedCliPath(cacheDir, VERSION))).toBe(false);
  // The lock went with the process (no 10 s wait for it to go stale).
  expect(cacheEntries(cacheDir).filter((entry) => entry.endsWith(".lock"))).toEqual([]);

  serve(good, good.archive, good.checksum);
  const lines: string[] = [];
  await installCli(request(VERSION, lines, { cacheDir }));
  expect(lines.join("\n")).not.toContain("waiting for another process");
  expect(await cliVersion(cachedCliPath(cacheDir, VERSION))).toBe(VERSION);
  expect(cacheEntries(cacheDir)).toEqual([VERSION]);
});

test("vite build on a machine without the CLI: downloaded from the (local) release host, then built", async () => {
  serve(good, good.archive, good.checksum);
  const logger = captureLogger();
  const cacheDir = tempOutDir("cli-cache");
  const outDir = tempOutDir("cli-download-dist");
  const started = performance.now();
  // The suite turns downloads off through the env var, which wins over the option.
  await withEnv({ VITE_PLUGIN_CRATE_WASM_BINDGEN_DOWNLOAD: undefined }, () =>
    build({
      root: path.join(FIXTURES, "app"),
      configFile: false,
      customLogger: logger,
      logLevel: "info",
      plugins: [crate({ wasmBindgen: { cacheDir, download: host.baseUrl }, sizeReport: false })],
      build: { outDir },
    }),
  );
  console.log(`[figure] first vite build with the CLI downloaded: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const text = logger.lines.join("\n");
  expect(text).toContain(`downloading wasm-bindgen ${VERSION} to match`);
  expect(text).toMatch(/installed wasm-bindgen 0\.2\.130 in [\d.]+ s \(downloaded, checksum verified\)/);
  expect(cacheEntries(cacheDir)).toEqual([VERSION]);
  expect(fs.readdirSync(path.join(outDir, "assets")).filter((file) => file.endsWith(".wasm"))).toHaveLength(2);
});
