// Rust threads in the browser: the same rayon computation (total Collatz steps of
// 1..n, test/fixtures/threads) on a pool of 1 and of 2 threads, in Chromium, after
// `vite build` of test/fixtures/threads-app. Prints the medians and their ratio.
//
//   npm run build                                  # the plugin from dist/
//   node bench/threads.mjs [runs=5] [--n=3000000]
//
// Each measurement is a fresh page (a rayon pool cannot be resized): bench.html starts
// a module worker that calls initThreadPool(threads), warms the pool up, then times
// collatz_steps(n) with performance.now(). In a worker, because the page's main thread
// would spin-wait on rayon and take one of this machine's two cores. The runs alternate
// 1 and 2 threads (which goes first swaps every run), so both see the same machine.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { build, preview } from "vite";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const app = path.join(root, "test/fixtures/threads-app");
const runs = Number(process.argv.slice(2).find((a) => !a.startsWith("--")) ?? 5);
const n = Number(process.argv.find((a) => a.startsWith("--n="))?.slice(4) ?? 3_000_000);

const { default: crate } = await import(path.join(root, "dist/index.js")).catch(() => {
  throw new Error("bench/threads.mjs uses the plugin from dist/: run `npm run build` first");
});
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "threads-bench-"));
/** @type {import("vite").InlineConfig} */
const config = {
  root: app,
  configFile: false,
  logLevel: "warn",
  plugins: [crate()],
  build: { outDir, emptyOutDir: true, rollupOptions: { input: { bench: path.join(app, "bench.html") } } },
};
console.log(`building ${path.relative(root, app)} (a cold build compiles std with atomics: minutes)…`);
await build(config);
const server = await preview({ ...config, preview: { port: 0 } });
const url = new URL("bench.html", server.resolvedUrls?.local[0]).href;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox"] });

/**
 * One fresh page: the time of collatz_steps(n) on a pool of `threads`, and its result.
 * @param {number} threads
 * @returns {Promise<{ ms: number, steps: number }>}
 */
async function measure(threads) {
  const page = await browser.newPage();
  await page.goto(`${url}?threads=${threads}&n=${n}`);
  await page.waitForFunction(() => document.getElementById("status")?.textContent !== "Loading", undefined, { timeout: 300_000 });
  const result = await page.evaluate(() => /** @type {any} */ (window).benchResult);
  if (!result) throw new Error(`threads=${threads}: ${await page.textContent("#status")}`);
  await page.close();
  return result;
}

/** @type {Record<number, number[]>} */
const times = { 1: [], 2: [] };
const steps = new Set();
for (let run = 0; run < runs; run++) {
  for (const threads of run % 2 === 0 ? [1, 2] : [2, 1]) {
    const { ms, steps: result } = await measure(threads);
    times[threads].push(ms);
    steps.add(result);
  }
}
await browser.close();
await server.close();
fs.rmSync(outDir, { recursive: true, force: true });
if (steps.size !== 1) throw new Error(`the thread counts disagree on the result: ${[...steps].join(", ")}`);

/** @param {number[]} values */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
/** @param {number} ms */
const format = (ms) => `${Math.round(ms)} ms`;
console.log(`\ncollatz_steps(${n}) = ${[...steps][0]}, in a worker, Chromium, ${os.cpus().length} cores, ${runs} runs each\n`);
console.log("| threads | median | runs |");
console.log("| --- | --- | --- |");
for (const threads of [1, 2]) console.log(`| ${threads} | ${format(median(times[threads]))} | ${times[threads].map(format).join(", ")} |`);
console.log(`\n1 thread / 2 threads: ${(median(times[1]) / median(times[2])).toFixed(2)}× (medians)`);
