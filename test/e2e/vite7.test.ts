import path from "node:path";
import { expect, test } from "vitest";
// Vite 7 (Rollup-based) installed as `vite7`; the main suite runs on Vite 8 (Rolldown).
import { build, createServer, preview, type PluginOption } from "vite7";
import crate from "../../src/index.ts";
import { openPage, useBrowser, waitForReady } from "../helpers/browser.ts";
import { FIXTURES } from "../helpers/fixtures.ts";
import { tempOutDir } from "../helpers/servers.ts";

const APP = path.join(FIXTURES, "app");
// The plugin is typed with Vite 8's Plugin; at runtime both majors take it as is.
const plugins = () => crate() as unknown as PluginOption[];

const { browser, closeAfterAll } = useBrowser();

async function expectAppWorks(url: string): Promise<void> {
  const { page, errors } = await openPage(browser(), url);
  await waitForReady(page, errors, 180_000);
  expect(await page.textContent("#greet")).toBe("Hello, Rollup!");
  expect(await page.textContent("#six-times")).toBe("42");
  expect(await page.textContent("#loud")).toBe("HEY!");
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
  expect(errors).toEqual([]);
  await page.close();
}

test("Vite 7: vite build + preview", async () => {
  const outDir = tempOutDir("vite7-build");
  await build({ root: APP, configFile: false, logLevel: "silent", plugins: plugins(), build: { outDir } });
  const server = await preview({
    root: APP,
    configFile: false,
    logLevel: "silent",
    plugins: plugins(),
    build: { outDir },
    preview: { port: 0 },
  });
  closeAfterAll(server);
  await expectAppWorks(server.resolvedUrls!.local[0]!);
});

test("Vite 7: dev server", async () => {
  const server = await createServer({
    root: APP,
    configFile: false,
    logLevel: "silent",
    plugins: plugins(),
    server: { port: 0 },
  });
  closeAfterAll(server);
  await server.listen();
  await expectAppWorks(server.resolvedUrls!.local[0]!);
});
