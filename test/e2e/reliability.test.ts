import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import type { PluginApi } from "../../src/api.ts";
import crate from "../../src/index.ts";
import { createLog } from "../../src/utils/log.ts";
import { findWasmBindgenCli } from "../../src/wasm-bindgen/cli.ts";
import { openPage, useBrowser, waitForReady } from "../helpers/browser.ts";
import { captureLogger } from "../helpers/capture-logger.ts";
import { copyToTemp, editFile, REPO_ROOT, SHARED_TARGET, standaloneCrate } from "../helpers/fixtures.ts";
import { startDevServer, tempOutDir } from "../helpers/servers.ts";
import { installToolShims, realWasmBindgen } from "../helpers/tool-shims.ts";
import { processTree, startViteProcess, stillRunning, writeViteConfig } from "../helpers/vite-process.ts";

// How the plugin holds up when things go wrong around it: the user's Ctrl+C, tools
// dying, many requests at once. Figures printed here go to the README's Reliability table.

const PLAYGROUND = path.join(REPO_ROOT, "playground");

/** `pid stat command` of every live process that mentions `dir` (cargo's and rustc's name their paths). */
function processesMentioning(dir: string): string[] {
  return execFileSync("ps", ["-A", "-o", "pid=,stat=,args="], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(dir) && !line.trim().split(/\s+/)[1]?.startsWith("Z") && !line.includes(" ps -A"));
}

/** After a failed test: nothing of it may keep running into the next one. */
function killLeftovers(vitePid: number, dir: string): void {
  for (const { pid } of processTree(vitePid)) killQuietly(pid);
  killQuietly(vitePid);
  for (const line of processesMentioning(dir)) killQuietly(Number(line.trim().split(/\s+/)[0]));
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Waits until `vite`'s process tree runs a rustc, then returns the tree. */
async function waitForRustc(pid: number): Promise<{ pid: number; command: string }[]> {
  let tree: { pid: number; command: string }[] = [];
  await expect
    .poll(() => (tree = processTree(pid)).some((process) => process.command === "rustc"), { timeout: 180_000, interval: 200 })
    .toBe(true);
  return tree;
}

/** Waits until the logging shims have seen no new run for 2 s. */
async function toolsQuiet(shims: ReturnType<typeof installToolShims>): Promise<void> {
  const count = () => shims.runs("cargo").length + shims.runs("wasm-bindgen").length;
  for (let before = -1; before !== count(); ) {
    before = count();
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** PATH without any wasm-bindgen on it, so the plugin must install its own. */
function pathWithoutWasmBindgen(): string {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => !fs.existsSync(path.join(dir, "wasm-bindgen")))
    .join(path.delimiter);
}

describe("Ctrl+C (SIGINT to the vite process)", () => {
  test("during a cold build: no cargo or rustc is left running", async () => {
    const dir = copyToTemp(PLAYGROUND, "sigint-build");
    writeViteConfig(dir);
    const { child, url } = await startViteProcess(dir);
    try {
      void fetch(`${url}crate/Cargo.toml?import`).catch(() => {});
      const tree = await waitForRustc(child.pid!);
      const sent = Date.now();
      child.kill("SIGINT");
      await child;
      await expect.poll(() => stillRunning(tree.map((process) => process.pid)), { timeout: 10_000 }).toEqual([]);
      await expect.poll(() => processesMentioning(dir), { timeout: 10_000 }).toEqual([]);
      console.log(`[figure] SIGINT during a cold build: ${tree.length} processes under vite, all gone ${Date.now() - sent} ms later`);
    } finally {
      killLeftovers(child.pid!, dir);
    }
  });

  test("during a wasm-bindgen CLI install: nothing left running, nothing half-installed found later", async () => {
    const dir = copyToTemp(PLAYGROUND, "sigint-install");
    const cacheDir = path.join(dir, "cli-cache");
    writeViteConfig(dir, `{ wasmBindgen: { cacheDir: ${JSON.stringify(cacheDir)}, download: false } }`);
    const { child, url, output } = await startViteProcess(dir, { PATH: pathWithoutWasmBindgen() });
    try {
      void fetch(`${url}crate/Cargo.toml?import`).catch(() => {});
      const tree = await waitForRustc(child.pid!);
      expect(output()).toContain("installing wasm-bindgen-cli 0.2.130");
      const sent = Date.now();
      child.kill("SIGINT");
      await child;
      await expect.poll(() => stillRunning(tree.map((process) => process.pid)), { timeout: 10_000 }).toEqual([]);
      await expect.poll(() => processesMentioning(cacheDir), { timeout: 10_000 }).toEqual([]);
      // The install lock is released, and no version folder exists to be taken for a CLI.
      expect(fs.readdirSync(cacheDir).filter((name) => !name.startsWith("0.2.130.installing-"))).toEqual([]);
      await expect(
        findWasmBindgenCli("0.2.130", { path: undefined, install: false, download: false, cacheDir }, createLog(), path.join(dir, "crate/Cargo.toml")),
      ).rejects.toThrow("needs the wasm-bindgen CLI 0.2.130");
      console.log(`[figure] SIGINT during a CLI install: ${tree.length} processes under vite, all gone ${Date.now() - sent} ms later; no CLI left to use`);
    } finally {
      killLeftovers(child.pid!, cacheDir);
    }
  });
});

const { browser } = useBrowser();
const GREETING = /format!\("[^"]*, \{name\}!"[^)]*\)/;
const MB = 1024 * 1024;

/** One HTTP page load as a browser does it: the page, its script, the crate module, the wasm. */
async function loadPage(url: string): Promise<{ module: string; wasmBytes: number }> {
  const html = await fetch(url);
  expect(html.status).toBe(200);
  await html.text();
  const main = await (await fetch(`${url}src/main.ts`)).text();
  const crateUrl = /from "(\/crate\/Cargo\.toml[^"]*)"/.exec(main)?.[1];
  expect(crateUrl, main.slice(0, 500)).toBeDefined();
  const crateModule = await fetch(new URL(crateUrl!, url));
  expect(crateModule.status).toBe(200);
  const module = await crateModule.text();
  const wasmUrl = /"([^"]*@vite-plugin-crate\/[^"]+\.wasm)"/.exec(module)?.[1];
  expect(wasmUrl, module.slice(0, 500)).toBeDefined();
  const wasm = await fetch(new URL(wasmUrl!, url));
  expect(wasm.status).toBe(200);
  expect(wasm.headers.get("content-type")).toBe("application/wasm");
  return { module, wasmBytes: (await wasm.arrayBuffer()).byteLength };
}

test("50 concurrent page loads while a cold build runs, then a 200-save soak: one cargo run for the loads; the page ends on the last good save, memory settles, nothing grows, nothing is left running", async () => {
  const dir = copyToTemp(PLAYGROUND, "soak");
  const lib = path.join(dir, "crate/src/lib.rs");
  const shims = installToolShims(path.join(dir, "shims"), await realWasmBindgen());
  const savedPath = process.env.PATH;
  process.env.PATH = `${shims.binDir}${path.delimiter}${savedPath}`;
  const plugins = crate();
  const api = (plugins[0] as unknown as { api: PluginApi }).api;
  const logger = captureLogger();
  const { server, url } = await startDevServer({ root: dir, configFile: false, plugins, customLogger: logger, logLevel: "info" });
  try {
    // The loads: all 50 arrive before the cold build (its own target dir) is done.
    const started = Date.now();
    const loads = await Promise.all(Array.from({ length: 50 }, () => loadPage(url)));
    const loadSeconds = (Date.now() - started) / 1000;
    // A second build would start from a watcher event after the first ended: wait for quiet.
    await toolsQuiet(shims);
    const cargoBuilds = shims.runs("cargo").filter((run) => run.args.startsWith("rustc "));
    expect(cargoBuilds).toHaveLength(1);
    expect(shims.runs("wasm-bindgen").filter((run) => !run.args.includes("--version"))).toHaveLength(1);
    expect(new Set(loads.map((load) => load.module)).size).toBe(1);
    expect(loads.every((load) => load.wasmBytes === loads[0]!.wasmBytes)).toBe(true);
    console.log(`[figure] 50 concurrent page loads during a cold build: all served in ${loadSeconds.toFixed(1)} s, 1 cargo build`);

    // The soak: a page open, 200 saves about 0.6 s apart; every 10th breaks the build
    // (a type error), and the next one fixes it.
    const { page, errors } = await openPage(browser(), url);
    await waitForReady(page, errors, 180_000);
    const graphSize = () => server.environments.client.moduleGraph.idToModuleMap.size;
    let rssAfter20 = 0;
    let graphAfter20 = 0;
    const rssStart = process.memoryUsage().rss;
    const SAVES = 200;
    let breaking = 0;
    for (let save = 1; save <= SAVES; save++) {
      const broken = save % 10 === 0 && save !== SAVES;
      if (broken) breaking++;
      // A breaking save lands only once the page shows the save before it: a page that
      // re-imports the crate after a hot update gets the current build, and if a breaking
      // save overtook that update, Vite logs "Failed to reload" in the page (a known race,
      // see the issue 10 note), which would fail the error check below.
      // And once no tool has run for 2 s: the race was still hit in a CI run (issue 11 note).
      if (broken) {
        await page.waitForFunction((last) => document.getElementById("greet")?.textContent === `Save ${last}, Ada!`, save - 1, { timeout: 60_000 });
        await toolsQuiet(shims);
      }
      editFile(lib, GREETING, broken ? `format!("Save ${save}, {name}!", 1 + "x")` : `format!("Save ${save}, {name}!")`);
      await new Promise((resolve) => setTimeout(resolve, 600));
      if (save === 20) {
        rssAfter20 = process.memoryUsage().rss;
        graphAfter20 = graphSize();
      }
    }
    await page.waitForFunction((last) => document.getElementById("greet")?.textContent === `Save ${last}, Ada!`, SAVES, { timeout: 60_000 });
    // The page took every update: no wasm instance failed to start (they used to leak until
    // Chromium refused a new one, about 70 saves in; Vite's client logs that in the page).
    expect(errors).toEqual([]);
    // Served wasm (with the debug file it points at) and page state: one of each per
    // crate, however many builds ran.
    const served = [...api.dev!.wasmByUrl.keys()];
    expect(served.filter((url) => !url.endsWith(".debug.wasm"))).toHaveLength(1);
    expect(served.filter((url) => url.endsWith(".debug.wasm"))).toHaveLength(1);
    expect(api.dev!.delivered.size).toBe(1);
    expect(graphSize()).toBeLessThanOrEqual(graphAfter20);
    const builds = shims.runs("cargo").filter((run) => run.args.startsWith("rustc ")).length - 1;
    globalThis.gc?.();
    const rssEnd = process.memoryUsage().rss;
    console.log(
      `[figure] soak: ${SAVES} saves (${breaking} breaking) in ${builds} builds; RSS ${Math.round(rssStart / MB)} MB at save 0, ` +
        `${Math.round(rssAfter20 / MB)} MB at save 20, ${Math.round(rssEnd / MB)} MB at save 200; module graph ${graphAfter20} → ${graphSize()} modules`,
    );
    // Settled: the last 180 saves added less than the first 20 took to warm up, with room for GC timing.
    expect(rssEnd - rssAfter20).toBeLessThan(150 * MB);
    await page.close();
  } finally {
    process.env.PATH = savedPath;
    const tree = processTree(process.pid).filter((process) => /cargo|rustc|wasm-bindgen|wasm-opt/.test(process.command));
    await server.close();
    await expect.poll(() => stillRunning(tree.map((process) => process.pid)), { timeout: 10_000 }).toEqual([]);
    await expect.poll(() => processesMentioning(dir), { timeout: 10_000 }).toEqual([]);
  }
}, 600_000);

test("crate folders with spaces and non-ASCII letters, and a symlinked one, in vite dev: the page calls each; a \"#\" is a clear error", async () => {
  const root = tempOutDir("odd-paths-dev");
  const folders = { space: "my crate", unicode: "crâte-ünïcode-日本", linked: "linked-crate" };
  for (const [key, folder] of Object.entries(folders)) {
    const source = standaloneCrate("basic", `odd-${key}`);
    if (key === "linked") {
      fs.cpSync(source, path.join(root, "real-crate"), { recursive: true });
      fs.symlinkSync(path.join(root, "real-crate"), path.join(root, folder), "dir");
    } else {
      fs.cpSync(source, path.join(root, folder), { recursive: true });
    }
  }
  const keys = Object.keys(folders) as (keyof typeof folders)[];
  fs.writeFileSync(path.join(root, "index.html"), `<link rel="icon" href="data:,">${keys.map((key) => `<p id="${key}"></p>`).join("")}<p id="status"></p><script type="module" src="./main.js"></script>`);
  fs.writeFileSync(
    path.join(root, "main.js"),
    [
      ...keys.map((key) => `import { add as ${key} } from ${JSON.stringify(`./${folders[key]}/Cargo.toml`)};`),
      ...keys.map((key, i) => `document.getElementById("${key}").textContent = String(${key}(${i}, 40));`),
      'document.getElementById("status").textContent = "Ready";',
    ].join("\n"),
  );
  // A second page whose crate sits in a folder with a "#".
  fs.cpSync(standaloneCrate("basic", "odd-hash"), path.join(root, "crate#1"), { recursive: true });
  fs.writeFileSync(path.join(root, "hash.html"), '<script type="module" src="./hash.js"></script>');
  fs.writeFileSync(path.join(root, "hash.js"), 'import { add } from "./crate#1/Cargo.toml";\nconsole.log(add(1, 2));\n');
  const saved = process.env.CARGO_TARGET_DIR;
  process.env.CARGO_TARGET_DIR = SHARED_TARGET.CARGO_TARGET_DIR;
  const { server, url } = await startDevServer({ root, configFile: false, plugins: [crate()] });
  try {
    const { page, errors } = await openPage(browser(), url);
    await waitForReady(page, errors, 180_000);
    expect(await Promise.all(keys.map((key) => page.textContent(`#${key}`)))).toEqual(["40", "41", "42"]);
    expect(errors).toEqual([]);
    await page.goto(`${url}hash.html`);
    const overlay = page.locator("vite-error-overlay");
    await overlay.waitFor({ state: "attached", timeout: 120_000 });
    const text = await overlay.evaluate((element) => element.shadowRoot?.textContent ?? "");
    expect(text).toContain(`${path.join(root, "crate#1/Cargo.toml")} has a "#" in its path, which Vite's dev server cannot serve to a browser`);
    await page.close();
  } finally {
    if (saved === undefined) delete process.env.CARGO_TARGET_DIR;
    else process.env.CARGO_TARGET_DIR = saved;
    await server.close();
  }
});
