// What a machine without the wasm-bindgen CLI pays on its first `vite build` of the
// playground: with the CLI already installed, downloaded from a release host, and
// (with --cargo, one run: it takes minutes) built with `cargo install`. The release host
// is local (127.0.0.1) and serves a release-shaped archive made from the installed CLI:
// this machine cannot reach GitHub, so the figure leaves out the network transfer of
// the ~6 MB archive. cargo's build of the crate is warm in every run and the plugin's
// build cache is off, so rows differ only in how the CLI was found. Runs alternate.
//
//   node bench/cli-install.mjs [runs=5] [--cargo]
//
// Needs the wasm-bindgen CLI installed already (run `npm test` or `npm run dev` once).
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const withCargo = args.includes("--cargo");
const runs = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 5);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "vite-plugin-crate-cli-bench-"));
const vite = path.join(root, "node_modules/vite/bin/vite.js");
const lock = fs.readFileSync(path.join(root, "playground/crate/Cargo.lock"), "utf8");
const version = /name = "wasm-bindgen"\nversion = "([^"]+)"/.exec(lock)?.[1];
if (!version) throw new Error("playground/crate/Cargo.lock names no wasm-bindgen");
const cacheRoot = process.env.VITE_PLUGIN_CRATE_CACHE_DIR ?? path.join(os.homedir(), ".cache/vite-plugin-crate");
const installed = path.join(cacheRoot, "wasm-bindgen-cli", version, "bin/wasm-bindgen");
if (!fs.existsSync(installed)) throw new Error(`no wasm-bindgen ${version} at ${installed}: run npm test once`);

// A release-shaped archive of the installed CLI, as wasm-bindgen's release workflow makes it.
const target = "x86_64-unknown-linux-musl";
const folder = `wasm-bindgen-${version}-${target}`;
fs.mkdirSync(path.join(scratch, "stage", folder), { recursive: true });
fs.copyFileSync(installed, path.join(scratch, "stage", folder, "wasm-bindgen"));
spawnSync("tar", ["-czf", path.join(scratch, `${folder}.tar.gz`), "-C", path.join(scratch, "stage"), folder]);
const archive = fs.readFileSync(path.join(scratch, `${folder}.tar.gz`));
const checksum = `${createHash("sha256").update(archive).digest("hex")}  gh-release/${folder}.tar.gz\n`;
const server = http.createServer((request, response) => {
  if (request.url?.endsWith(".tar.gz")) response.end(archive);
  else if (request.url?.endsWith(".sha256sum")) response.end(checksum);
  else response.writeHead(404).end();
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
const host = `http://127.0.0.1:${/** @type {import("node:net").AddressInfo} */ (server.address()).port}/releases/download`;

/**
 * One `vite build` of the playground with the CLI taken from `cacheDir`; seconds.
 * Spawned asynchronously: the release host runs in this process and must keep answering.
 * @param {string} name @param {string} cacheDir @param {string | false} download
 */
async function build(name, cacheDir, download) {
  const config = path.join(scratch, `vite.config.${name}.mjs`);
  // Vite bundles its config file, so it can import the plugin's TypeScript source.
  fs.writeFileSync(
    config,
    `import crate from ${JSON.stringify(path.join(root, "src/index.ts"))};\n` +
      `export default { root: ${JSON.stringify(path.join(root, "playground"))}, plugins: [crate(${JSON.stringify({
        wasmBindgen: { cacheDir, download },
        cache: false,
        sizeReport: false,
      })})], build: { outDir: ${JSON.stringify(path.join(scratch, `dist-${name}`))}, emptyOutDir: true } };\n`,
  );
  const env = { ...process.env, VITE_PLUGIN_CRATE_WASM_BINDGEN_DOWNLOAD: "" };
  const started = performance.now();
  const child = spawn(process.execPath, [vite, "build", "--config", config, "--logLevel", "info"], {
    cwd: scratch,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const status = await new Promise((resolve) => child.on("exit", resolve));
  if (status !== 0) throw new Error(`vite build (${name}) failed:\n${output}`);
  // A download that fell back to cargo install would measure the wrong thing.
  if (download && !/downloaded, checksum verified/.test(output)) throw new Error(`the CLI was not downloaded:\n${output}`);
  return (performance.now() - started) / 1000;
}

const median = (/** @type {number[]} */ values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
/** @type {Record<string, number[]>} */
const rows = { installed: [], download: [], cargo: [] };
await build("warmup", path.join(cacheRoot, "wasm-bindgen-cli"), false); // cargo's target dir warm
for (let run = 0; run < runs; run++) {
  rows.installed.push(await build("installed", path.join(cacheRoot, "wasm-bindgen-cli"), false));
  rows.download.push(await build("download", fs.mkdtempSync(path.join(scratch, "cli-")), host));
}
if (withCargo) rows.cargo.push(await build("cargo", fs.mkdtempSync(path.join(scratch, "cli-")), false));
server.close();

const base = median(rows.installed);
console.log(`\nFirst vite build of the playground by how the wasm-bindgen CLI ${version} is found (median of ${runs}; cargo warm)\n`);
console.log("| CLI | vite build (s) | vs installed |");
console.log("| --- | ---: | ---: |");
for (const [name, label] of [["installed", "already installed"], ["download", "downloaded (local host)"], ["cargo", "cargo install (1 run)"]]) {
  const values = rows[name] ?? [];
  if (values.length === 0) continue;
  const value = median(values);
  console.log(`| ${label} | ${value.toFixed(2)} | ${(value / base).toFixed(2)}x |`);
}
fs.rmSync(scratch, { recursive: true, force: true });
