import fs from "node:fs";
import path from "node:path";
import { rollup, type Plugin as RollupPlugin } from "rollup";
import { build, preview } from "vite";
import { describe, expect, test } from "vitest";
import crate from "../../src/index.ts";
import { openPage, useBrowser, waitForReady } from "../helpers/browser.ts";
import { FIXTURES } from "../helpers/fixtures.ts";
import { tempOutDir } from "../helpers/servers.ts";

// The fixture app imports two workspace members: `basic`, and `snippets`, which
// uses a path dependency, an inline_js snippet and a `module = "/js/…"` snippet.
const APP = path.join(FIXTURES, "app");

const { browser, closeAfterAll } = useBrowser();

/** Serves a folder of built files and checks the fixture app's results in Chromium. */
async function runInBrowser(dir: string): Promise<void> {
  const server = await preview({
    configFile: false,
    root: dir,
    logLevel: "silent",
    build: { outDir: "." },
    preview: { port: 0 },
  });
  closeAfterAll(server);
  const { page, errors } = await openPage(browser(), server.resolvedUrls!.local[0]!);
  await waitForReady(page, errors);
  expect(await page.textContent("#greet")).toBe("Hello, Rollup!");
  expect(await page.textContent("#add")).toBe("42");
  expect(await page.textContent("#six-times")).toBe("42");
  expect(await page.textContent("#loud")).toBe("HEY!");
  expect(errors).toEqual([]);
  await page.close();
}

function wasmAssets(dir: string): string[] {
  return fs.readdirSync(path.join(dir, "assets")).filter((f) => f.endsWith(".wasm"));
}

describe("plain rollup", () => {
  test("bundles both crates with hashed wasm assets that run in the browser", async () => {
    const outDir = tempOutDir("rollup");
    const bundle = await rollup({ input: path.join(APP, "main.js"), plugins: crate() as unknown as RollupPlugin[] });
    await bundle.write({ dir: outDir, format: "es" });
    await bundle.close();
    fs.copyFileSync(path.join(APP, "index.html"), path.join(outDir, "index.html"));

    expect(wasmAssets(outDir).sort()).toEqual([
      expect.stringMatching(/^basic_bg-[\w-]+\.wasm$/),
      expect.stringMatching(/^snippets_bg-[\w-]+\.wasm$/),
    ]);
    for (const file of wasmAssets(outDir)) {
      expect(WebAssembly.validate(fs.readFileSync(path.join(outDir, "assets", file)))).toBe(true);
    }
    await runInBrowser(outDir);
  });
});

describe("vite build", () => {
  test("snippets and path dependencies are bundled and the output runs", async () => {
    const outDir = tempOutDir("vite-build");
    await build({ root: APP, configFile: false, logLevel: "silent", plugins: [crate()], build: { outDir } });
    expect(wasmAssets(outDir)).toHaveLength(2);
    await runInBrowser(outDir);
  });

  test("an import through an alias is handled", async () => {
    const root = tempOutDir("alias-app");
    fs.copyFileSync(path.join(APP, "index.html"), path.join(root, "index.html"));
    const main = fs.readFileSync(path.join(APP, "main.js"), "utf8").replaceAll("../", "@crates/");
    fs.writeFileSync(path.join(root, "main.js"), main);
    await build({
      root,
      configFile: false,
      logLevel: "silent",
      resolve: { alias: { "@crates": FIXTURES } },
      plugins: [crate()],
      build: { outDir: "dist" },
    });
    await runInBrowser(path.join(root, "dist"));
  });

  test("inlineWasm embeds the wasm as base64 and emits no .wasm file", async () => {
    const outDir = tempOutDir("vite-inline");
    await build({
      root: APP,
      configFile: false,
      logLevel: "silent",
      plugins: [crate({ inlineWasm: true })],
      build: { outDir },
    });
    expect(wasmAssets(outDir)).toEqual([]);
    await runInBrowser(outDir);
  });
});
