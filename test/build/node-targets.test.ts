import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { rollup, type Plugin as RollupPlugin } from "rollup";
import { build } from "vite";
import { build as buildWithVite7, type PluginOption as Vite7PluginOption } from "vite7";
import { describe, expect, test } from "vitest";
import crate from "../../src/index.ts";
import { FIXTURES } from "../helpers/fixtures.ts";
import { renderWithNode } from "../helpers/run-node.ts";
import { tempOutDir } from "../helpers/servers.ts";

// Server bundles: the crate module must read its wasm from a file shipped next to
// the bundle, never fetch a path, and run under plain `node` with no Vite around.
const ENTRY = path.join(FIXTURES, "ssr/entry-server.js");
const EXPECTED = '<p id="greet">Hello, SSR!</p><p id="add">42</p><p id="six-times">42</p><p id="loud">HEY!</p>';

/** The .wasm files of a build output, relative to it. */
function wasmFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((file) => file.endsWith(".wasm")).sort();
}

/** Moves a build output elsewhere first: the bundle must find its wasm relative to itself. */
function moveAway(dir: string): string {
  const moved = fs.mkdtempSync(path.join(os.tmpdir(), "moved-server-"));
  fs.cpSync(dir, moved, { recursive: true });
  return moved;
}

describe("SSR builds", () => {
  test("Vite 8: `vite build --ssr` ships the wasm next to the server bundle, and node runs it", async () => {
    const outDir = tempOutDir("ssr-vite8");
    await build({
      root: FIXTURES,
      configFile: false,
      logLevel: "silent",
      plugins: [crate()],
      build: { ssr: ENTRY, outDir },
    });
    expect(wasmFiles(outDir)).toEqual([
      expect.stringMatching(/^assets\/basic_bg-[0-9a-f]{8}\.wasm$/),
      expect.stringMatching(/^assets\/snippets_bg-[0-9a-f]{8}\.wasm$/),
    ]);
    const bundle = fs.readFileSync(path.join(outDir, "entry-server.js"), "utf8");
    expect(bundle).not.toContain("__VITE_PLUGIN_CRATE_WASM_");
    // Read from disk relative to the bundle (the glue's own fetch path stays unused).
    expect(bundle).toMatch(/readFile\(new URL\("\.\/assets\/basic_bg-[0-9a-f]{8}\.wasm", import\.meta\.url\)\)/);
    const moved = moveAway(outDir);
    expect(await renderWithNode(path.join(moved, "entry-server.js"), os.tmpdir())).toBe(EXPECTED);
  });

  test("Vite 7: the same, through Rollup", async () => {
    const outDir = tempOutDir("ssr-vite7");
    await buildWithVite7({
      root: FIXTURES,
      configFile: false,
      logLevel: "silent",
      plugins: crate() as unknown as Vite7PluginOption[],
      build: { ssr: ENTRY, outDir },
    });
    expect(wasmFiles(outDir)).toHaveLength(2);
    expect(await renderWithNode(path.join(moveAway(outDir), "entry-server.js"), os.tmpdir())).toBe(EXPECTED);
  });

  test("a chunk in a subfolder finds the wasm through a relative path", async () => {
    const outDir = tempOutDir("ssr-nested");
    await build({
      root: FIXTURES,
      configFile: false,
      logLevel: "silent",
      plugins: [crate()],
      build: { ssr: ENTRY, outDir, rollupOptions: { output: { entryFileNames: "server/[name].js" } } },
    });
    const bundle = fs.readFileSync(path.join(outDir, "server/entry-server.js"), "utf8");
    expect(bundle).toMatch(/"\.\.\/assets\/basic_bg-[0-9a-f]{8}\.wasm"/);
    expect(await renderWithNode(path.join(moveAway(outDir), "server/entry-server.js"), os.tmpdir())).toBe(EXPECTED);
  });
});

describe("plain Rollup for Node", () => {
  test('target: "node" reads the wasm from disk, and the ES module output runs in node', async () => {
    const outDir = tempOutDir("rollup-node");
    const bundle = await rollup({ input: ENTRY, plugins: crate({ target: "node" }) as unknown as RollupPlugin[] });
    await bundle.write({ dir: outDir, format: "es" });
    await bundle.close();
    expect(wasmFiles(outDir)).toHaveLength(2);
    expect(await renderWithNode(path.join(moveAway(outDir), "entry-server.js"), os.tmpdir())).toBe(EXPECTED);
  });
});
