import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { rollup, type Plugin as RollupPlugin } from "rollup";
import { build } from "vite";
import { build as buildWithVite7 } from "vite7";
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

/** `vite build --ssr` of the fixture entry, with Vite 8 or 7, into a fresh folder. */
async function buildServer(
  runBuild: typeof build,
  options: Parameters<typeof crate>[0] = {},
  output: { entryFileNames?: string } = {},
): Promise<string> {
  const outDir = tempOutDir("ssr-build");
  await runBuild({
    root: FIXTURES,
    configFile: false,
    logLevel: "silent",
    plugins: crate(options),
    build: { ssr: ENTRY, outDir, rollupOptions: { output } },
  });
  return outDir;
}
const vite7 = buildWithVite7 as unknown as typeof build;

describe("SSR builds", () => {
  test.each([
    ["Vite 8", build],
    ["Vite 7 (Rollup)", vite7],
  ])("%s: the server bundle carries its wasm inside, and node runs it from anywhere", async (_name, runBuild) => {
    const outDir = await buildServer(runBuild);
    // Inlined by default: a tool that bundles the server again cannot lose it.
    expect(wasmFiles(outDir)).toEqual([]);
    const bundle = fs.readFileSync(path.join(outDir, "entry-server.js"), "utf8");
    expect(bundle).toMatch(/module_or_path: Buffer\.from\("AGFzb[\w+/=]+", "base64"\)/);
    expect(bundle).not.toContain("node:fs");
    expect(await renderWithNode(path.join(moveAway(outDir), "entry-server.js"), os.tmpdir())).toBe(EXPECTED);
  });

  test.each([
    ["Vite 8", build],
    ["Vite 7 (Rollup)", vite7],
  ])('%s: nodeWasm: "file" ships the wasm next to the server bundle and reads it relative to the chunk', async (_name, runBuild) => {
    const outDir = await buildServer(runBuild, { nodeWasm: "file" });
    expect(wasmFiles(outDir)).toEqual([
      expect.stringMatching(/^assets\/basic_bg-[0-9a-f]{8}\.wasm$/),
      expect.stringMatching(/^assets\/snippets_bg-[0-9a-f]{8}\.wasm$/),
    ]);
    const bundle = fs.readFileSync(path.join(outDir, "entry-server.js"), "utf8");
    expect(bundle).not.toContain("__VITE_PLUGIN_CRATE_WASM_");
    // Read from disk relative to the bundle (the glue's own fetch path stays unused).
    expect(bundle).toMatch(/readFile\(new URL\("\.\/assets\/basic_bg-[0-9a-f]{8}\.wasm", import\.meta\.url\)\)/);
    expect(await renderWithNode(path.join(moveAway(outDir), "entry-server.js"), os.tmpdir())).toBe(EXPECTED);
  });

  test('nodeWasm: "file" from a chunk in a subfolder finds the wasm through a relative path', async () => {
    const outDir = await buildServer(build, { nodeWasm: "file" }, { entryFileNames: "server/[name].js" });
    const bundle = fs.readFileSync(path.join(outDir, "server/entry-server.js"), "utf8");
    expect(bundle).toMatch(/"\.\.\/assets\/basic_bg-[0-9a-f]{8}\.wasm"/);
    expect(await renderWithNode(path.join(moveAway(outDir), "server/entry-server.js"), os.tmpdir())).toBe(EXPECTED);
  });
});

describe("plain Rollup for Node", () => {
  test.each([
    ["inline", 0],
    ["file", 2],
  ] as const)('target: "node", nodeWasm: %j: the ES module output runs in node', async (nodeWasm, files) => {
    const outDir = tempOutDir("rollup-node");
    const bundle = await rollup({ input: ENTRY, plugins: crate({ target: "node", nodeWasm }) as unknown as RollupPlugin[] });
    await bundle.write({ dir: outDir, format: "es" });
    await bundle.close();
    expect(wasmFiles(outDir)).toHaveLength(files);
    expect(await renderWithNode(path.join(moveAway(outDir), "entry-server.js"), os.tmpdir())).toBe(EXPECTED);
  });
});
