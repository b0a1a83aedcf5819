import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import crate from "../../src/index.ts";
import { openPage, useBrowser, waitForReady } from "../helpers/browser.ts";
import { FIXTURES } from "../helpers/fixtures.ts";
import { buildAndPreview, startDevServer, tempOutDir } from "../helpers/servers.ts";

// Code written for wasm-pack's `--target web` output, unchanged but for the import
// path: the Rust and WebAssembly book's Game of Life (init first, cells read from the
// wasm's memory), and a page that loads the crate on demand (dynamic import, `?url`,
// and `?init` in a worker given a Module the page compiled).
const APP = path.join(FIXTURES, "wasm-pack-app");
const config = {
  root: APP,
  configFile: false as const,
  plugins: [crate()],
  build: { rollupOptions: { input: { index: path.join(APP, "index.html"), lazy: path.join(APP, "lazy.html") } } },
};

const { browser, closeAfterAll } = useBrowser();

/** The book's universe after `ticks` ticks, computed here in JS, as Rust's `render()` prints it. */
function expectedRender(ticks: number): string {
  const size = 64;
  let cells = Array.from({ length: size * size }, (_, i) => i % 2 === 0 || i % 7 === 0);
  for (let t = 0; t < ticks; t++) {
    cells = cells.map((alive, i) => {
      const row = Math.floor(i / size);
      const col = i % size;
      let neighbors = 0;
      for (const dr of [-1, 0, 1]) {
        for (const dc of [-1, 0, 1]) {
          if (dr === 0 && dc === 0) continue;
          neighbors += cells[((row + dr + size) % size) * size + ((col + dc + size) % size)] ? 1 : 0;
        }
      }
      return alive ? neighbors === 2 || neighbors === 3 : neighbors === 3;
    });
  }
  let text = "";
  for (let row = 0; row < size; row++) text += cells.slice(row * size, row * size + size).map((alive) => (alive ? "◼" : "◻")).join("") + "\n";
  return text;
}

const wasmRequests = (page: Page) =>
  page.evaluate(() => performance.getEntriesByType("resource").filter((entry) => new URL(entry.name).pathname.endsWith(".wasm")).length);

async function expectGameOfLife(url: string): Promise<void> {
  const { page, errors } = await openPage(browser(), url);
  await waitForReady(page, errors, 180_000);
  expect(await page.textContent("#cells")).toBe(expectedRender(10));
  expect(await page.textContent("#match")).toBe("true");
  expect(await page.textContent("#reinit")).toBe("same instance");
  // The canvas shows the cells read from memory: the first live cell is black.
  const firstAlive = expectedRender(10).replace(/\n/g, "").indexOf("◼");
  const pixel = await page.evaluate((index) => {
    const canvas = document.getElementById("game-of-life-canvas") as HTMLCanvasElement;
    const [row, col] = [Math.floor(index / 64), index % 64];
    return [...canvas.getContext("2d")!.getImageData(col * 6 + 3, row * 6 + 3, 1, 1).data];
  }, firstAlive);
  expect(pixel).toEqual([0, 0, 0, 255]);
  expect(errors).toEqual([]);
  await page.close();
}

async function expectLazyLoading(url: string): Promise<void> {
  const { page, errors } = await openPage(browser(), new URL("lazy.html", url).href);
  await waitForReady(page, errors, 180_000);
  expect(await page.textContent("#url")).toMatch(/\.wasm$/);
  // The page is up and has the wasm's URL, but no wasm was downloaded.
  expect(await wasmRequests(page)).toBe(0);
  expect(await page.evaluate(() => (window as any).loadCrate(3))).toBe(expectedRender(3));
  expect(await wasmRequests(page)).toBe(1);
  const fromWorker = await page.evaluate(() => (window as any).renderInWorker(5));
  expect(fromWorker).toEqual({ rendered: expectedRender(5), fetchedWasm: 0 });
  expect(errors).toEqual([]);
  await page.close();
}

describe("code written for wasm-pack", () => {
  test("vite dev", async () => {
    const { server, url } = await startDevServer(config);
    closeAfterAll(server);
    await expectGameOfLife(url);
    await expectLazyLoading(url);
    // A classic worker (`new Worker(url)` without type: "module") is refused with the module form.
    const response = await fetch(new URL("classic-worker.js?worker_file&type=classic", url));
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(text).toContain("classic-worker.js imports a crate but runs as a classic worker");
    expect(text).toContain('new Worker(new URL(\\"./worker.js\\", import.meta.url), { type: \\"module\\" })');
  });

  test("vite build + preview: the crate loaded on demand is a chunk named after it", async () => {
    const outDir = tempOutDir("wasm-pack-app");
    const { preview, url } = await buildAndPreview({ ...config, build: { ...config.build, outDir } });
    closeAfterAll(preview);
    const assets = fs.readdirSync(path.join(outDir, "assets"));
    expect(assets.filter((file) => file.startsWith("Cargo"))).toEqual([]);
    // The crate (shared by both pages) and the dynamic import's own facade of it.
    const crateChunks = assets.filter((file) => /^game-of-life-[\w-]+\.js$/.test(file));
    expect(crateChunks.length).toBeGreaterThan(0);
    const chunkText = crateChunks.map((file) => fs.readFileSync(path.join(outDir, "assets", file), "utf8")).join("\n");
    expect(chunkText).toContain("game_of_life_bg");
    await expectGameOfLife(url);
    await expectLazyLoading(url);
  });
});
