import fs from "node:fs";
import path from "node:path";
import { build, preview } from "vite";
import type { PluginApi } from "../../src/api.ts";
import { captureLogger } from "../helpers/capture-logger.ts";
import { build as buildWithVite7, preview as previewWithVite7, type PluginOption as Vite7PluginOption } from "vite7";
import { describe, expect, test } from "vitest";
import crate from "../../src/index.ts";
import { openPage, useBrowser, waitForReady } from "../helpers/browser.ts";
import { FIXTURES } from "../helpers/fixtures.ts";
import { startDevServer, tempOutDir } from "../helpers/servers.ts";

// The crate imported from the three ways to start a worker: a module worker
// (`new Worker(new URL(…))`), a `?worker` import and a module SharedWorker, next to
// an import on the main thread. The crate module instantiates the wasm with top-level
// await, which only ES-format worker bundles can hold: the plugin must set that up
// from `plugins: [crate()]` alone, with no `worker` config from the user.
const APP = path.join(FIXTURES, "workers-app");

const { browser, closeAfterAll } = useBrowser();

/** Opens the app and checks that the main thread and every worker called into the crate. */
async function expectWorkersWork(url: string): Promise<void> {
  const { page, errors } = await openPage(browser(), url);
  await waitForReady(page, errors, 180_000);
  const text = (id: string) => page.textContent(`#${id}`);
  expect({
    main: await text("main"),
    moduleWorker: await text("module-worker"),
    queryWorker: await text("query-worker"),
    sharedWorker: await text("shared-worker"),
  }).toEqual({
    main: "Hello, main thread!",
    moduleWorker: "Hello, module worker!",
    queryWorker: "40 + 2 = 42",
    sharedWorker: "Hello, shared worker!",
  });
  expect(errors).toEqual([]);
  await page.close();
}

describe("the crate imported in workers", () => {
  test("vite dev", async () => {
    const { server, url } = await startDevServer({ root: APP, configFile: false, plugins: [crate()] });
    closeAfterAll(server);
    await expectWorkersWork(url);
  });

  test("vite build + preview", async () => {
    const outDir = tempOutDir("workers-build");
    const plugins = crate();
    const logger = captureLogger();
    await build({ root: APP, configFile: false, logLevel: "info", customLogger: logger, plugins, build: { outDir } });
    // The worker bundles build with the page's crates: one cargo run for all four bundles,
    // and one size report, the page's.
    expect((plugins[0] as unknown as { api: PluginApi }).api.crates.stats.cargoRuns).toBe(1);
    expect(logger.lines.filter((line) => line.includes("wasm sizes"))).toHaveLength(1);
    // The main bundle and the three worker bundles emit the same bytes: one file.
    const wasm = fs.readdirSync(path.join(outDir, "assets")).filter((file) => file.endsWith(".wasm"));
    expect(wasm).toEqual([expect.stringMatching(/^basic_bg-[\w-]+\.wasm$/)]);
    const server = await preview({ root: APP, configFile: false, logLevel: "silent", build: { outDir }, preview: { port: 0 } });
    closeAfterAll(server);
    await expectWorkersWork(server.resolvedUrls!.local[0]!);
  });

  test("Vite 7 (Rollup): vite build + preview", async () => {
    // The plugin is typed with Vite 8's Plugin; at runtime Vite 7 takes it as is.
    const plugins = crate() as unknown as Vite7PluginOption[];
    const config = { root: APP, configFile: false, logLevel: "silent", plugins } as const;
    const outDir = tempOutDir("workers-vite7");
    await buildWithVite7({ ...config, build: { outDir } });
    const server = await previewWithVite7({ ...config, build: { outDir }, preview: { port: 0 } });
    closeAfterAll(server);
    await expectWorkersWork(server.resolvedUrls!.local[0]!);
  });
});

test.each([
  ["Vite 8", build],
  ["Vite 7", buildWithVite7 as unknown as typeof build],
])('%s: worker.format: "iife" set by the user fails the build with the fix, not a parse error', async (_, runBuild) => {
  const failure = await runBuild({
    root: APP,
    configFile: false,
    logLevel: "silent",
    plugins: [crate()],
    worker: { format: "iife" },
    build: { outDir: tempOutDir("workers-iife") },
  }).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure, "the build succeeded").toBeInstanceOf(Error);
  const message = (failure as Error).message;
  // Ours: names the option and the value that works. Without the plugin in the worker
  // bundle, Rolldown or Rollup would parse Cargo.toml as JavaScript instead.
  expect(message).toMatch(/worker\.format/);
  expect(message).toMatch(/["']es["']/);
  expect(message).not.toMatch(/PARSE_ERROR|Unexpected token|Expression expected|plugins to import files/);
});
