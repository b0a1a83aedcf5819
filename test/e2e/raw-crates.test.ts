import fs from "node:fs";
import path from "node:path";
import { build } from "vite";
import { beforeAll, describe, expect, test } from "vitest";
import crate from "../../src/index.ts";
import { openPage, useBrowser, waitForReady } from "../helpers/browser.ts";
import { copyToTemp, editFile, FIXTURES } from "../helpers/fixtures.ts";
import { buildAndPreview, startDevServer, tempOutDir } from "../helpers/servers.ts";
import { execa } from "execa";

// Crates without wasm-bindgen (`#[no_mangle] pub extern "C" fn`): the module's named
// exports are the wasm's exports, typed from the wasm; a crate with imports is
// instantiated by the app. Dev (with a hot update), build, SSR.
let workspace: string;
const { browser, closeAfterAll } = useBrowser();

beforeAll(() => {
  workspace = copyToTemp(FIXTURES, "raw-fixtures");
});

/** What raw-app's page computes, from the Rust sources as checked in. */
const EXPECTED = {
  add: 5,
  add_wide: String(2n ** 40n + 1n),
  scale: 3,
  hypot: 5,
  mix: 3.75,
  counter: 2,
  memory: true,
  answer: 42,
  log_sum: 42,
  logged: [42],
};

async function expectPage(url: string) {
  const { page, errors } = await openPage(browser(), url);
  await waitForReady(page, errors, 180_000);
  expect(JSON.parse((await page.textContent("#results"))!)).toEqual(EXPECTED);
  expect(errors).toEqual([]);
  return { page, errors };
}

describe("raw extern \"C\" crates", () => {
  test("vite dev: every value type, memory, a global, an import; a .rs edit is a hot update", async () => {
    const root = path.join(workspace, "raw-app");
    const { server, url } = await startDevServer({ root, configFile: false, plugins: [crate()] });
    closeAfterAll(server);
    const { page, errors } = await expectPage(url);
    // Declarations derived from the wasm's own types.
    const dts = fs.readFileSync(path.join(workspace, "raw-abi/Cargo.toml.d.ts"), "utf8");
    expect(dts).toMatch(/export declare function add_wide\(\w+: bigint, \w+: bigint\): bigint;/);
    expect(dts).toMatch(/export declare function scale\(\w+: number, \w+: number\): number;/);
    expect(dts).toMatch(/export declare function bump\(\): void;/);
    expect(dts).toContain("export declare const memory: WebAssembly.Memory;");
    expect(dts).toContain('export declare const ANSWER: WebAssembly.Global<"i32">;');
    const importsDts = fs.readFileSync(path.join(workspace, "raw-imports/Cargo.toml.d.ts"), "utf8");
    expect(importsDts).toMatch(/host_log\(\w+: number\): void/);

    // Server-side (SSR in dev, and how Vitest runs modules): the wasm read from disk.
    const ssr = await server.ssrLoadModule(path.join(workspace, "raw-abi/Cargo.toml"));
    expect([ssr.add(40, 2), ssr.add_wide(1n, 2n)]).toEqual([42, 3n]);

    await page.evaluate(() => ((window as any).marker = "same page"));
    editFile(path.join(workspace, "raw-abi/src/lib.rs"), "a.wrapping_add(b)\n", "a.wrapping_add(b).wrapping_mul(10)\n");
    await page.waitForFunction(() => document.getElementById("add")?.textContent === "50", undefined, { timeout: 120_000 });
    expect(await page.evaluate(() => (window as any).marker)).toBe("same page");
    expect(errors).toEqual([]);
    await page.close();
  });

  test("vite build + preview", async () => {
    const root = path.join(FIXTURES, "raw-app");
    const { preview, url, outDir } = await buildAndPreview({ root, configFile: false, plugins: [crate()], build: { outDir: tempOutDir("raw-app") } });
    closeAfterAll(preview);
    const wasm = fs.readdirSync(path.join(outDir, "assets")).filter((file) => file.endsWith(".wasm"));
    expect(wasm.sort()).toEqual([expect.stringMatching(/^raw_abi_bg-/), expect.stringMatching(/^raw_imports_bg-/)]);
    const { page } = await expectPage(url);
    await page.close();
  });

  test("SSR build: the server bundle runs in Node", async () => {
    const root = tempOutDir("raw-ssr");
    const manifest = path.join(FIXTURES, "raw-abi/Cargo.toml");
    const importsManifest = path.join(FIXTURES, "raw-imports/Cargo.toml");
    fs.writeFileSync(
      path.join(root, "server.js"),
      [
        `import { add, add_wide, memory } from ${JSON.stringify(manifest)};`,
        `import instantiate from ${JSON.stringify(importsManifest)};`,
        "const logged = [];",
        "const { log_sum } = await instantiate({ env: { host_log: (v) => logged.push(v) } });",
        "console.log(JSON.stringify({ add: add(40, 2), wide: String(add_wide(1n, 2n)), memory: memory instanceof WebAssembly.Memory, sum: log_sum(1, 2), logged }));",
      ].join("\n"),
    );
    await build({ root, configFile: false, logLevel: "warn", plugins: [crate()], build: { ssr: path.join(root, "server.js"), outDir: "dist" } });
    const { stdout } = await execa("node", [path.join(root, "dist/server.js")], { cwd: root });
    expect(JSON.parse(stdout)).toEqual({ add: 42, wide: "3", memory: true, sum: 3, logged: [3] });
  });
});
