import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import crate from "../../src/index.ts";
import { openPage, useBrowser, waitForReady } from "../helpers/browser.ts";
import { FIXTURES } from "../helpers/fixtures.ts";
import { buildAndPreview, startDevServer, tempOutDir } from "../helpers/servers.ts";

// Rust threads in the browser: a crate using wasm-bindgen-rayon, built with its pinned
// nightly (rust-toolchain.toml), -Zbuild-std and atomics; its worker helpers served
// in dev and emitted in builds. A cold build compiles std: minutes on 2 cores.
const APP = path.join(FIXTURES, "threads-app");
const COLD_BUILD = 900_000;

const { browser, closeAfterAll } = useBrowser();

/** Σ i² for i < n, and the total Collatz steps of 1..n, computed here. */
function expected(threads: number) {
  const n = 1_000_000n;
  let collatz = 0;
  for (let start = 1; start < 100_000; start++) {
    for (let x = start; x !== 1; collatz++) x = x % 2 === 0 ? x / 2 : 3 * x + 1;
  }
  return { threads, sumOfSquares: Number(((n - 1n) * n * (2n * n - 1n)) / 6n), collatz };
}

async function expectThreads(url: string, threads: number): Promise<void> {
  const { page, errors } = await openPage(browser(), `${url}?threads=${threads}`);
  await waitForReady(page, errors, COLD_BUILD);
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
  expect(JSON.parse((await page.textContent("#results"))!)).toEqual(expected(threads));
  expect(errors).toEqual([]);
  await page.close();
}

describe("threads (wasm-bindgen-rayon)", () => {
  test("vite dev: initThreadPool(2), then a parallel computation; without isolation, a clear error", async () => {
    const { server, url } = await startDevServer({ root: APP, configFile: false, plugins: [crate()] });
    closeAfterAll(server);
    await expectThreads(url, 2);

    const { server: plain, url: plainUrl } = await startDevServer({ root: APP, configFile: false, plugins: [crate({ crossOriginIsolation: false })] });
    closeAfterAll(plain);
    const { page, errors } = await openPage(browser(), plainUrl);
    await expect.poll(() => errors.join("\n"), { timeout: COLD_BUILD, interval: 500 }).toContain(
      "threads uses threads (wasm-bindgen-rayon), which need SharedArrayBuffer, so the page must be cross-origin isolated",
    );
    await page.close();
  }, COLD_BUILD * 2);

  test("vite build + preview: the worker helpers ship as a chunk of their own; _headers carries COOP/COEP", async () => {
    const outDir = tempOutDir("threads-app");
    const { preview, url } = await buildAndPreview({
      root: APP,
      configFile: false,
      plugins: [crate({ headersFile: true })],
      build: { outDir },
    });
    closeAfterAll(preview);
    const assets = fs.readdirSync(path.join(outDir, "assets"));
    // The worker script's chunk (a thread loads it, not the page's entry) and the glue's.
    expect(assets.filter((file) => /^workerHelpers-[\w-]+\.js$/.test(file)).length).toBeGreaterThan(0);
    const headers = fs.readFileSync(path.join(outDir, "_headers"), "utf8");
    expect(headers).toContain("Cross-Origin-Opener-Policy: same-origin");
    expect(headers).toContain("Cross-Origin-Embedder-Policy: require-corp");
    await expectThreads(url, 2);
    await expectThreads(url, 1);
  }, COLD_BUILD * 2);
});
