// Times `vite build` of the playground, cold (a fresh cargo target dir and an empty
// plugin cache: every crate compiles, wasm-bindgen and wasm-opt run) and warm (the same
// build again, nothing changed), alternating, and prints the medians with the size of
// the emitted wasm.
//
//   node bench/playground-build.mjs [runs=3]
//
// Needs the wasm-bindgen CLI installed already (run `npm run dev` or `npm test` once):
// its one-time install is not part of a build's cost.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.argv[2] ?? 3);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "vite-plugin-crate-bench-"));
const vite = path.join(root, "node_modules/vite/bin/vite.js");
// Vite's cacheDir for the playground: the plugin keeps wasm-bindgen and wasm-opt results there.
const pluginCache = path.join(root, "node_modules/.vite/vite-plugin-crate");

/** @param {string} targetDir @param {string} outDir @returns {number} seconds */
function viteBuild(targetDir, outDir) {
  const started = performance.now();
  const result = spawnSync(process.execPath, [vite, "build", "--outDir", outDir, "--emptyOutDir", "--logLevel", "error"], {
    cwd: root,
    env: { ...process.env, CARGO_TARGET_DIR: targetDir },
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (result.status !== 0) throw new Error(`vite build failed (exit ${result.status})`);
  return (performance.now() - started) / 1000;
}

const median = (/** @type {number[]} */ values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
/** @type {number[]} */
const cold = [];
/** @type {number[]} */
const warm = [];
let outDir = "";
for (let i = 0; i < runs; i++) {
  const targetDir = path.join(scratch, `target-${i}`);
  outDir = path.join(scratch, `dist-${i}`);
  fs.rmSync(pluginCache, { recursive: true, force: true });
  cold.push(viteBuild(targetDir, outDir));
  warm.push(viteBuild(targetDir, outDir));
  process.stderr.write(`run ${i + 1}/${runs}: cold ${cold[i]?.toFixed(2)} s, warm ${warm[i]?.toFixed(2)} s\n`);
}

const assets = path.join(outDir, "assets");
const wasmFile = fs.readdirSync(assets).find((f) => f.endsWith(".wasm")) ?? "";
const wasm = fs.readFileSync(path.join(assets, wasmFile));
const glue = fs.readdirSync(assets).filter((f) => f.endsWith(".js")).map((f) => fs.readFileSync(path.join(assets, f)));
const kb = (/** @type {number} */ n) => `${(n / 1024).toFixed(1)} KiB`;

console.log(`\nvite build of playground/ (${runs} runs each, ${os.cpus().length} cores)\n`);
console.log("| build | median | runs |");
console.log("| --- | --- | --- |");
console.log(`| cold (fresh target dir) | ${median(cold).toFixed(2)} s | ${cold.map((t) => t.toFixed(2)).join(", ")} |`);
console.log(`| warm (no change) | ${median(warm).toFixed(2)} s | ${warm.map((t) => t.toFixed(2)).join(", ")} |`);
console.log(`\n| output | raw | gzip | brotli |`);
console.log("| --- | --- | --- | --- |");
console.log(`| ${wasmFile} | ${kb(wasm.length)} | ${kb(zlib.gzipSync(wasm, { level: 9 }).length)} | ${kb(zlib.brotliCompressSync(wasm).length)} |`);
const js = Buffer.concat(glue);
console.log(`| JS (app + glue) | ${kb(js.length)} | ${kb(zlib.gzipSync(js, { level: 9 }).length)} | ${kb(zlib.brotliCompressSync(js).length)} |`);
fs.rmSync(scratch, { recursive: true, force: true });
