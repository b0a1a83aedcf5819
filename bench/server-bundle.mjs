// What `nodeWasm` costs a server bundle: builds a one-line server entry that imports a
// crate with `vite build --ssr`, once with the wasm inlined (the default) and once as a
// file next to the bundle, then prints each output's bytes and the median time a fresh
// `node` takes to import it (instantiating the wasm included), runs alternating.
//
//   node bench/server-bundle.mjs [runs=7] [crate=playground/crate/Cargo.toml]
//
// Needs the wasm-bindgen CLI installed already (run `npm run dev` or `npm test` once).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.argv[2] ?? 7);
const manifest = path.resolve(root, process.argv[3] ?? "playground/crate/Cargo.toml");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "vite-plugin-crate-server-bench-"));
const vite = path.join(root, "node_modules/vite/bin/vite.js");

// An ES module package, as a server app is: Vite then names the output entry-server.js.
fs.writeFileSync(path.join(scratch, "package.json"), '{ "type": "module" }\n');
fs.writeFileSync(
  path.join(scratch, "entry-server.js"),
  `import * as crate from ${JSON.stringify(manifest)};\nexport const exports = Object.keys(crate).length;\n`,
);

/** Builds the entry with `nodeWasm`, returns the output folder. */
function buildServer(/** @type {"inline" | "file"} */ nodeWasm) {
  const outDir = path.join(scratch, `dist-${nodeWasm}`);
  const config = path.join(scratch, `vite.config.${nodeWasm}.mjs`);
  // Vite bundles its config file, so it can import the plugin's TypeScript source.
  fs.writeFileSync(
    config,
    `import crate from ${JSON.stringify(path.join(root, "src/index.ts"))};\n` +
      `export default { root: ${JSON.stringify(scratch)}, plugins: [crate({ nodeWasm: ${JSON.stringify(nodeWasm)}, sizeReport: false })] };\n`,
  );
  const result = spawnSync(process.execPath, [vite, "build", "--ssr", "entry-server.js", "--outDir", outDir, "--config", config, "--logLevel", "error"], {
    cwd: scratch,
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (result.status !== 0) throw new Error(`vite build --ssr failed (exit ${result.status})`);
  return outDir;
}

/** Milliseconds a fresh node process takes to import the entry, measured inside it. */
function importTime(/** @type {string} */ outDir) {
  const entry = pathToFileURL(path.join(outDir, "entry-server.js")).href;
  const script = `const t = performance.now(); await import(${JSON.stringify(entry)}); process.stdout.write(String(performance.now() - t));`;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: os.tmpdir(), encoding: "utf8" });
  if (result.status !== 0) throw new Error(`node could not import ${entry}:\n${result.stderr}`);
  return Number(result.stdout);
}

/** Bytes of every file under `dir`, by path relative to it. */
function files(/** @type {string} */ dir) {
  return fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => fs.statSync(path.join(dir, file)).isFile())
    .map((file) => ({ file, bytes: fs.statSync(path.join(dir, file)).size }));
}

const median = (/** @type {number[]} */ values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const variants = /** @type {const} */ (["inline", "file"]).map((nodeWasm) => ({ nodeWasm, outDir: buildServer(nodeWasm), times: /** @type {number[]} */ ([]) }));
for (let run = 0; run < runs; run++) for (const variant of variants) variant.times.push(importTime(variant.outDir));

console.log(`server bundle of ${path.relative(root, manifest)}, ${runs} imports each, alternating\n`);
console.log("| nodeWasm | files | total bytes | import (median) | imports (ms) |");
console.log("| --- | --- | --- | --- | --- |");
for (const { nodeWasm, outDir, times } of variants) {
  const output = files(outDir);
  const total = output.reduce((sum, { bytes }) => sum + bytes, 0);
  const list = output.map(({ file, bytes }) => `${file} ${bytes} B`).join(", ");
  console.log(`| ${nodeWasm} | ${list} | ${total} | ${median(times).toFixed(1)} ms | ${times.map((t) => t.toFixed(1)).join(", ")} |`);
}
fs.rmSync(scratch, { recursive: true, force: true });
