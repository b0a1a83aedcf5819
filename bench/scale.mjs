// Where a `vite build`'s time goes at three crate sizes, for vite-plugin-crate and, side
// by side in the same run, @wasm-tool/rollup-plugin-rust: cold (fresh cargo target dir,
// fresh app dir, so no plugin cache) and warm (the same build again, nothing changed),
// each split into cargo, wasm-bindgen, wasm-opt, validation, size report and the rest
// (Node, Vite, bundling, writing), with the share spent outside cargo and the build
// process's peak RSS. Prints medians in markdown tables, with every run.
//
//   npm install --prefix bench     # once: the peer is a dev dependency of bench/ only
//   node bench/scale.mjs [runs=3] [--crates=playground,markdown,large] [--tools=...]
//
// Crates: playground/crate (small), bench/crates/markdown (pulldown-cmark) and
// bench/crates/large (image with png/jpeg/gif/webp, regex, serde_json, pulldown-cmark).
// Each build is bench/scale-build.mjs in a child process: Vite's `build()` with
// `configFile: false` on an app made for that run (<scratch>/run-<i>/<crate>/<tool>/:
// the crate, index.html, main.js calling one export). Order within a run: every tool
// cold, then every tool warm, per crate; the tool order rotates every run.
//
// Tools (--tools picks some, comma-separated):
// - `ours-native`: vite-plugin-crate (src/ compiled with tsc into the scratch dir) with
//   its defaults, which find the native wasm-opt the plugin installs into its per-user
//   cache (run a `vite build` once and let the background install finish; or set
//   $NATIVE_WASM_OPT to put another first on PATH).
// - `ours-js`: the same with `wasmOpt: { native: false }`: binaryen.js in a worker, what
//   a machine without a native wasm-opt gets until the install is done.
// - `peer`: @wasm-tool/rollup-plugin-rust (bench/package.json) with no options. Its
//   wasm-opt, as its README sets it up, is the `binaryen` npm package's CLI (binaryen
//   132, the version our binaryen.js is; its default flags: -O, i.e. -Os). A native 116
//   does not know its --enable-bulk-memory-opt, and it then ships unoptimized wasm
//   with only a warning: the table says so whenever that happens.
// All three use one wasm-bindgen CLI: the 0.2.130 in the plugin's per-user cache.
//
// Step times: ours from the plugin's own counters (src/build-stats.ts; `cargo` includes
// `cargo metadata`; `size report` is what the end of the build waited for it). The
// peer's from logging wrappers it runs instead of cargo, wasm-bindgen and wasm-opt
// (its CARGO_BIN, WASM_BINDGEN_BIN, WASM_OPT_BIN); it has no validation or size report.
// "rest" is the child's wall-clock time minus the steps.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compilePlugin, median } from "./shared.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const benchDir = path.join(root, "bench");
const args = process.argv.slice(2);
/** @param {string} name @returns {string | undefined} */
const flag = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const runs = Number(args.find((a) => !a.startsWith("--")) ?? 3);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a positive integer`);

/** @typedef {{ name: string, dir: string, call: string }} Crate */
/** @type {Crate[]} */
const allCrates = [
  { name: "playground", dir: path.join(root, "playground/crate"), call: `m.greet("Ada")` },
  { name: "markdown", dir: path.join(benchDir, "crates/markdown"), call: `m.render("# Hi")` },
  { name: "large", dir: path.join(benchDir, "crates/large"), call: `m.render_markdown("# Hi") + m.pretty_json("[1]")` },
];
const crates = allCrates.filter((c) => (flag("crates") ?? "playground,markdown,large").split(",").includes(c.name));
/** @typedef {"ours-native" | "ours-js" | "peer"} Tool */
const tools = /** @type {Tool[]} */ ((flag("tools") ?? "ours-native,ours-js,peer").split(","));

// --- Prerequisites ------------------------------------------------------------------------

const userCache =
  process.env.VITE_PLUGIN_CRATE_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "vite-plugin-crate");
const wasmBindgen = path.join(userCache, "wasm-bindgen-cli/0.2.130/bin/wasm-bindgen");
const nativeWasmOpt = process.env.NATIVE_WASM_OPT ?? path.join(userCache, "wasm-opt/0.116.1/bin/wasm-opt");
const peerWasmOpt = path.join(benchDir, "node_modules/.bin/wasm-opt");
/** @param {string} file @param {string} hint */
const need = (file, hint) => {
  if (!fs.existsSync(file)) {
    console.error(`Missing ${file}: ${hint}`);
    process.exit(1);
  }
};
need(wasmBindgen, "run `npm test` or `npm run dev` once (the plugin installs wasm-bindgen 0.2.130).");
if (tools.includes("ours-native")) {
  need(nativeWasmOpt, "run a `vite build` once and let the plugin's background install of wasm-opt finish, or set NATIVE_WASM_OPT.");
}
const peerEntry = (() => {
  try {
    return createRequire(path.join(benchDir, "package.json")).resolve("@wasm-tool/rollup-plugin-rust");
  } catch {
    return undefined;
  }
})();
if (tools.includes("peer") && !peerEntry) {
  console.error("The peer plugin is not installed. Run first:\n\n  npm install --prefix bench\n");
  process.exit(1);
}
const versionOf = (/** @type {string} */ name) => spawnSync(name, ["--version"], { encoding: "utf8" }).stdout?.trim().split("\n")[0];

const scratch = fs.mkdtempSync(path.join(flag("scratch") ?? os.tmpdir(), "vite-plugin-crate-scale-"));
process.stderr.write(`scratch: ${scratch}\n`);

// vite-plugin-crate from src/.
const ourEntry = compilePlugin(scratch);

// Logging wrappers for the peer's tools: each run appends "<tool> <start ns> <end ns>".
const wrappers = path.join(scratch, "bin");
const toolLog = path.join(scratch, "tools.log");
fs.mkdirSync(wrappers);
/** @param {string} name @param {string} real @returns {string} */
function wrapper(name, real) {
  const file = path.join(wrappers, name);
  fs.writeFileSync(
    file,
    `#!/bin/sh\nstart=$(date +%s%N)\n"${real}" "$@"\nstatus=$?\necho "${name} $start $(date +%s%N)" >> "${toolLog}"\nexit $status\n`,
    { mode: 0o755 },
  );
  return file;
}
const realCargo = spawnSync("sh", ["-c", "command -v cargo"], { encoding: "utf8" }).stdout.trim();
const peerEnv = {
  CARGO_BIN: wrapper("cargo", realCargo),
  WASM_BINDGEN_BIN: wrapper("wasm-bindgen", wasmBindgen),
  WASM_OPT_BIN: wrapper("wasm-opt", peerWasmOpt),
};
/** Milliseconds each wrapped tool ran since the log was last read, by tool. */
function takeToolTimes() {
  /** @type {Record<string, number>} */
  const times = { cargo: 0, "wasm-bindgen": 0, "wasm-opt": 0 };
  if (!fs.existsSync(toolLog)) return times;
  for (const line of fs.readFileSync(toolLog, "utf8").split("\n").filter(Boolean)) {
    const [name = "", start = "0", end = "0"] = line.split(" ");
    times[name] = (times[name] ?? 0) + (Number(BigInt(end) - BigInt(start)) / 1e6);
  }
  fs.rmSync(toolLog);
  return times;
}

// --- One build ----------------------------------------------------------------------------

/** @param {Crate} crate @param {string} dir */
function makeApp(crate, dir) {
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(crate.dir, path.join(dir, "crate"), {
    recursive: true,
    filter: (src) => !["target", "Cargo.toml.d.ts", "node_modules"].includes(path.basename(src)),
  });
  fs.writeFileSync(path.join(dir, "index.html"), `<!doctype html>\n<p id="out"></p>\n<script type="module" src="/main.js"></script>\n`);
  fs.writeFileSync(path.join(dir, "main.js"), `import * as m from "./crate/Cargo.toml";\n\ndocument.getElementById("out").textContent = ${crate.call};\n`);
}

/** @typedef {{ wall: number, cargo: number, wasmBindgen: number, wasmOpt: number, validation: number, sizeReport: number, rssMiB: number, wasmBytes: number }} Build */

/** @param {Tool} tool @param {string} dir @returns {Build} */
function build(tool, dir) {
  const env = { ...process.env };
  delete env.CARGO_TARGET_DIR;
  delete env.CARGO_BUILD_TARGET_DIR;
  const ours = tool !== "peer";
  if (!ours) Object.assign(env, peerEnv);
  if (tool === "ours-native" && process.env.NATIVE_WASM_OPT) env.PATH = `${path.dirname(nativeWasmOpt)}${path.delimiter}${env.PATH}`;
  const entry = pathToFileURL(ours ? ourEntry : /** @type {string} */ (peerEntry)).href;
  const options = ours ? { wasmBindgen: { path: wasmBindgen, install: false }, ...(tool === "ours-js" && { wasmOpt: { native: false } }) } : {};
  takeToolTimes();
  const started = performance.now();
  const result = spawnSync(process.execPath, [path.join(benchDir, "scale-build.mjs"), dir, entry, JSON.stringify(options), ours ? "ours" : "peer"], {
    cwd: dir,
    env,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const wall = performance.now() - started;
  if (/wasm-opt failed/i.test(`${result.stdout}${result.stderr}`)) warnings.add(`${tool}: wasm-opt failed, so it shipped unoptimized wasm`);
  if (result.status !== 0) throw new Error(`${tool}: vite build failed in ${dir} (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  const report = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}");
  const peer = takeToolTimes();
  const ms = ours ? report.ms : { cargo: peer.cargo, wasmBindgen: peer["wasm-bindgen"], wasmOpt: peer["wasm-opt"], validation: 0, sizeReport: 0 };
  const assets = path.join(dir, "dist/assets");
  const wasmBytes = fs.readdirSync(assets).filter((f) => f.endsWith(".wasm")).reduce((sum, f) => sum + fs.statSync(path.join(assets, f)).size, 0);
  return { wall, ...ms, rssMiB: report.maxRssKiB / 1024, wasmBytes };
}

// --- The runs -----------------------------------------------------------------------------

/** Warnings the builds printed that change what the table means. @type {Set<string>} */
const warnings = new Set();
/** @type {Map<string, Build[]>} keyed by `${crate}/${tool}/${phase}` */
const results = new Map();
for (let i = 0; i < runs; i++) {
  const order = tools.map((_, k) => /** @type {Tool} */ (tools[(k + i) % tools.length]));
  for (const crate of crates) {
    const dirOf = (/** @type {Tool} */ tool) => path.join(scratch, `run-${i + 1}`, crate.name, tool);
    for (const tool of order) makeApp(crate, dirOf(tool));
    for (const phase of ["cold", "warm"]) {
      for (const tool of order) {
        const result = build(tool, dirOf(tool));
        const key = `${crate.name}/${tool}/${phase}`;
        results.set(key, [...(results.get(key) ?? []), result]);
        const steps = ["cargo", "wasmBindgen", "wasmOpt", "validation", "sizeReport"].map((step) => `${step} ${(/** @type {any} */ (result)[step] / 1000).toFixed(2)}`);
        process.stderr.write(`run ${i + 1}/${runs} ${key}: ${(result.wall / 1000).toFixed(2)} s (${steps.join(", ")}; ${result.rssMiB.toFixed(0)} MiB)\n`);
      }
    }
    for (const tool of order) fs.rmSync(dirOf(tool), { recursive: true, force: true });
  }
}

// --- Report -------------------------------------------------------------------------------

const s = (/** @type {number} */ ms) => `${(ms / 1000).toFixed(2)} s`;
/** @type {Record<Tool, string>} */
const toolName = { "ours-native": "vite-plugin-crate, native wasm-opt", "ours-js": "vite-plugin-crate, binaryen.js", peer: "rollup-plugin-rust, binaryen npm CLI" };

console.log(`\n## vite build at three crate sizes\n`);
console.log(`${runs} runs, medians; ${os.cpus().length} cores, Node ${process.version}; ${versionOf(wasmBindgen)}; native: ${versionOf(nativeWasmOpt)}; the peer's: ${versionOf(peerWasmOpt)}.`);
console.log(`Each step's median over the runs; "outside cargo" is the median of (build − cargo) / build.\n`);
console.log("| crate | wasm | build | tool | total | cargo | wasm-bindgen | wasm-opt | validation | size report | rest | outside cargo | peak RSS |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const crate of crates) {
  for (const phase of ["cold", "warm"]) {
    for (const tool of tools) {
      const builds = results.get(`${crate.name}/${tool}/${phase}`) ?? [];
      const m = (/** @type {(b: Build) => number} */ pick) => median(builds.map(pick));
      const rest = m((b) => b.wall - b.cargo - b.wasmBindgen - b.wasmOpt - b.validation - b.sizeReport);
      const outside = m((b) => (b.wall - b.cargo) / b.wall);
      const wasm = `${(m((b) => b.wasmBytes) / 1024).toFixed(0)} KiB`;
      const cells = [crate.name, wasm, phase, toolName[tool], s(m((b) => b.wall)), s(m((b) => b.cargo)), s(m((b) => b.wasmBindgen)), s(m((b) => b.wasmOpt))];
      cells.push(tool === "peer" ? "–" : s(m((b) => b.validation)), tool === "peer" ? "–" : s(m((b) => b.sizeReport)), s(rest));
      cells.push(`${(outside * 100).toFixed(1)}%`, `${m((b) => b.rssMiB).toFixed(0)} MiB`);
      console.log(`| ${cells.join(" | ")} |`);
    }
  }
}
for (const warning of warnings) console.log(`\n**${warning}**`);
console.log("\nEvery run (total s, cargo s):");
for (const [key, builds] of results) console.log(`- ${key}: ${builds.map((b) => `${s(b.wall)} (${s(b.cargo)})`).join(", ")}`);
fs.rmSync(scratch, { recursive: true, force: true });
