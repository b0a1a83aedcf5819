// Measures the Rust edit loop on the playground in a real browser: the time from
// saving a .rs file to the page showing the new value (a hot update), the cargo time
// of the same rebuild, and the cargo time of a no-op rebuild (file saved unchanged);
// and where the time between the save and the page goes:
//   save → watcher event (chokidar reports the change to the dev server),
//   watcher → cargo starts (the plugin schedules the rebuild),
//   cargo (the wrapper below times each run),
//   cargo ends → update sent (wasm-bindgen, of which its own share is shown, hashing,
//     declarations, module invalidation),
//   update sent → wasm requested (the HMR message, the page importing the new crate
//     module, then its glue, then running them),
//   wasm requested → wasm received,
//   wasm received → new value on the page (compiling and instantiating the wasm, the
//     update's accept handler, the app re-rendering).
// Each a median over the edits. Times are Date.now() in this process (server, watcher,
// Playwright's request events) and in the page (a MutationObserver), one clock.
//
//   node bench/edit-loop.mjs [edits=12]
//
// Goal: edit-to-page latency at most the cargo rebuild time plus 60 ms (median).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { createServer } from "vite";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const edits = Number(process.argv[2] ?? 12);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "vite-plugin-crate-edit-loop-"));
const app = path.join(scratch, "playground");
fs.cpSync(path.join(root, "playground"), app, { recursive: true, filter: (src) => !/[\\/](target|dist)$/.test(src) });
const lib = path.join(app, "crate/src/lib.rs");

// A logging wrapper first on PATH: records when each cargo run starts and ends.
const bin = path.join(scratch, "bin");
const cargoLog = path.join(scratch, "cargo.log");
fs.mkdirSync(bin);
const realCargo = execFileSync("sh", ["-c", "command -v cargo"], { encoding: "utf8" }).trim();
fs.writeFileSync(
  path.join(bin, "cargo"),
  `#!/bin/sh\nstart=$(date +%s%N)\n"${realCargo}" "$@"\nstatus=$?\necho "$start $(date +%s%N) $1" >> "${cargoLog}"\nexit $status\n`,
  { mode: 0o755 },
);
fs.writeFileSync(cargoLog, "");
process.env.PATH = `${bin}${path.delimiter}${process.env.PATH}`;
/** cargo builds (ms since epoch) that started at or after `since`. */
const cargoRuns = (/** @type {number} */ since) =>
  fs
    .readFileSync(cargoLog, "utf8")
    .split("\n")
    .filter((line) => line.endsWith(" rustc"))
    .map((line) => line.split(" ").map(Number))
    .map(([start = 0, end = 0]) => ({ start: start / 1e6, end: end / 1e6 }))
    .filter((run) => run.start >= since);

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));
const server = await createServer({ configFile: path.join(root, "vite.config.ts"), root: app, logLevel: "error", server: { port: 0 } });
await server.listen();
if (process.env.BENCH_DEBUG) server.watcher.on("all", (e, f) => process.stderr.write(`EVENT ${e} ${f}\n`));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
if (process.env.BENCH_DEBUG) page.on("console", (m) => process.stderr.write(`PAGE ${m.type()} ${m.text()}\n`));
await page.goto(server.resolvedUrls?.local[0] ?? "");
await page.waitForFunction(() => document.getElementById("status")?.textContent === "Ready", undefined, { timeout: 300_000 });

// Marks for the split: when the watcher saw lib.rs change, when the server sent a hot
// update, when the page asked for and got a wasm, and (in the page) when #greet changed.
/** @type {{ watcher: number[], updateSent: number[], crateRequested: number[], glueRequested: number[], wasmRequested: number[], wasmReceived: number[] }} */
const marks = { watcher: [], updateSent: [], crateRequested: [], glueRequested: [], wasmRequested: [], wasmReceived: [] };
server.watcher.on("change", (file) => {
  if (path.resolve(file) === lib) marks.watcher.push(Date.now());
});
const hot = server.environments.client.hot;
const send = hot.send.bind(hot);
hot.send = /** @type {typeof hot.send} */ ((/** @type {any[]} */ ...args) => {
  if (args[0]?.type === "update") marks.updateSent.push(Date.now());
  return /** @type {any} */ (send)(...args);
});
page.on("request", (request) => {
  const { pathname } = new URL(request.url());
  if (pathname.endsWith(".wasm")) marks.wasmRequested.push(Date.now());
  else if (pathname.endsWith("/Cargo.toml")) marks.crateRequested.push(Date.now());
  else if (pathname.includes("vite-plugin-crate:") && pathname.endsWith(".js")) marks.glueRequested.push(Date.now());
});
page.on("requestfinished", (request) => {
  if (new URL(request.url()).pathname.endsWith(".wasm")) marks.wasmReceived.push(Date.now());
});
await page.evaluate(() => {
  const shown = /** @type {{ text: string, at: number }[]} */ ([]);
  Object.assign(window, { __shown: shown });
  const greet = /** @type {HTMLElement} */ (document.getElementById("greet"));
  new MutationObserver(() => shown.push({ text: greet.textContent ?? "", at: Date.now() })).observe(greet, {
    childList: true,
    characterData: true,
    subtree: true,
  });
});
// The plugin's own step times (src/build-stats.ts), for wasm-bindgen's share.
const api = /** @type {any} */ (server.config.plugins.find((plugin) => "api" in plugin))?.api;
if (!api) throw new Error("vite-plugin-crate's api was not found among the dev server's plugins");
/** The first mark in `list` at or after `since`. @param {number[]} list @param {number} since */
const firstAfter = (list, since) => list.find((at) => at >= since) ?? NaN;

const GREETING = /format!\("[^"]*, \{name\}!"\)/;
/**
 * Saves a new greeting and returns the ms until the page shows it, cargo's ms for that
 * rebuild, and the split of the time between save and page.
 */
async function edit(/** @type {string} */ word) {
  const source = fs.readFileSync(lib, "utf8").replace(GREETING, `format!("${word}, {name}!")`);
  const wasmBindgenBefore = api.crates.stats.ms.wasmBindgen;
  const started = Date.now();
  fs.writeFileSync(lib, source);
  await page
    .waitForFunction((w) => document.getElementById("greet")?.textContent === `${w}, Ada!`, word, { polling: 5, timeout: 20_000 })
    .catch(async (error) => {
      throw new Error(`page shows ${JSON.stringify(await page.textContent("body"))}`, { cause: error });
    });
  const shown = /** @type {{ text: string, at: number }[]} */ (await page.evaluate(() => /** @type {any} */ (window).__shown));
  const shownAt = shown.find((entry) => entry.text === `${word}, Ada!` && entry.at >= started)?.at ?? NaN;
  await sleep(400);
  const [run] = cargoRuns(started - 5);
  const watcher = firstAfter(marks.watcher, started);
  const updateSent = firstAfter(marks.updateSent, run?.end ?? started);
  const crateRequested = firstAfter(marks.crateRequested, updateSent);
  const glueRequested = firstAfter(marks.glueRequested, crateRequested);
  const wasmRequested = firstAfter(marks.wasmRequested, updateSent);
  const wasmReceived = firstAfter(marks.wasmReceived, wasmRequested);
  const split = {
    "save → watcher event": watcher - started,
    "watcher → cargo starts": (run?.start ?? NaN) - watcher,
    "cargo ends → update sent": updateSent - (run?.end ?? NaN),
    "  of which wasm-bindgen": api.crates.stats.ms.wasmBindgen - wasmBindgenBefore,
    "update sent → wasm requested": wasmRequested - updateSent,
    "  update sent → crate module requested": crateRequested - updateSent,
    "  crate module → glue requested": glueRequested - crateRequested,
    "  glue → wasm requested": wasmRequested - glueRequested,
    "wasm requested → received": wasmReceived - wasmRequested,
    "wasm received → value on page": shownAt - wasmReceived,
  };
  return { latency: shownAt - started, cargo: run ? run.end - run.start : NaN, split };
}

for (let i = 0; i < 2; i++) await edit(`Warm${i}`); // incremental caches, JIT
/** @type {number[]} */
const latency = [];
/** @type {number[]} */
const cargo = [];
/** @type {Map<string, number[]>} */
const splits = new Map();
for (let i = 0; i < edits; i++) {
  const result = await edit(`Bench${i}`);
  latency.push(result.latency);
  cargo.push(result.cargo);
  for (const [name, ms] of Object.entries(result.split)) splits.set(name, [...(splits.get(name) ?? []), ms]);
  process.stderr.write(`edit ${i + 1}/${edits}: page ${result.latency} ms, cargo ${result.cargo.toFixed(0)} ms\n`);
}
/** @type {number[]} */
const noop = [];
for (let i = 0; i < 5; i++) {
  const started = Date.now();
  fs.writeFileSync(lib, fs.readFileSync(lib, "utf8"));
  for (let waited = 0; cargoRuns(started - 5).length === 0 && waited < 30_000; waited += 50) await sleep(50);
  const [run] = cargoRuns(started - 5);
  if (run) noop.push(run.end - run.start);
  await sleep(400);
}
await browser.close();
await server.close();
fs.rmSync(scratch, { recursive: true, force: true });

const sorted = (/** @type {number[]} */ values) => [...values].sort((a, b) => a - b);
const median = (/** @type {number[]} */ values) => sorted(values)[Math.floor(values.length / 2)] ?? NaN;
const p90 = (/** @type {number[]} */ values) => sorted(values)[Math.min(values.length - 1, Math.ceil(values.length * 0.9) - 1)] ?? NaN;
const overhead = latency.map((l, i) => l - (cargo[i] ?? NaN));
const row = (/** @type {string} */ name, /** @type {number[]} */ values) =>
  console.log(`| ${name} | ${median(values).toFixed(0)} ms | ${p90(values).toFixed(0)} ms | ${values.length} |`);
console.log(`\nRust edit loop on playground/ (dev profile, ${os.cpus().length} cores, Chromium)\n`);
console.log("| measure | median | p90 | n |");
console.log("| --- | --- | --- | --- |");
row("save .rs → page shows new value", latency);
row("cargo rebuild (same edits)", cargo);
row("page latency − cargo time", overhead);
row("no-op rebuild (cargo, file saved unchanged)", noop);
console.log("\nWhere the time outside cargo goes (each step's median and p90 over the edits):\n");
console.log("| step | median | p90 | n |");
console.log("| --- | --- | --- | --- |");
for (const [name, values] of splits) row(name, values);
console.log(`\ngoal: latency ≤ cargo + 60 ms → median overhead ${median(overhead).toFixed(0)} ms: ${median(overhead) <= 60 ? "met" : "NOT met"}`);
