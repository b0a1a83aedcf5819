import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { createLog } from "../../src/utils/log.ts";
import { findWasmBindgenCli } from "../../src/wasm-bindgen/cli.ts";
import { copyToTemp, REPO_ROOT } from "../helpers/fixtures.ts";
import { processTree, startViteProcess, stillRunning, writeViteConfig } from "../helpers/vite-process.ts";

// How the plugin holds up when things go wrong around it: the user's Ctrl+C, tools
// dying, many requests at once. Figures printed here go to the README's Reliability table.

const PLAYGROUND = path.join(REPO_ROOT, "playground");

/** Command lines of every process that mentions `dir` (cargo's and rustc's name their paths). */
function processesMentioning(dir: string): string[] {
  return execFileSync("ps", ["-A", "-o", "stat=,args="], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(dir) && !line.trim().startsWith("Z") && !line.includes(" ps -A"));
}

/** Waits until `vite`'s process tree runs a rustc, then returns the tree. */
async function waitForRustc(pid: number): Promise<{ pid: number; command: string }[]> {
  let tree: { pid: number; command: string }[] = [];
  await expect
    .poll(() => (tree = processTree(pid)).some((process) => process.command === "rustc"), { timeout: 180_000, interval: 200 })
    .toBe(true);
  return tree;
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
    void fetch(`${url}crate/Cargo.toml?import`).catch(() => {});
    const tree = await waitForRustc(child.pid!);
    const sent = Date.now();
    child.kill("SIGINT");
    await child;
    await expect.poll(() => stillRunning(tree.map((process) => process.pid)), { timeout: 10_000 }).toEqual([]);
    await expect.poll(() => processesMentioning(dir), { timeout: 10_000 }).toEqual([]);
    console.log(`[figure] SIGINT during a cold build: ${tree.length} processes under vite, all gone ${Date.now() - sent} ms later`);
  });

  test("during a wasm-bindgen CLI install: nothing left running, nothing half-installed found later", async () => {
    const dir = copyToTemp(PLAYGROUND, "sigint-install");
    const cacheDir = path.join(dir, "cli-cache");
    writeViteConfig(dir, `{ wasmBindgen: { cacheDir: ${JSON.stringify(cacheDir)}, download: false } }`);
    const { child, url, output } = await startViteProcess(dir, { PATH: pathWithoutWasmBindgen() });
    void fetch(`${url}crate/Cargo.toml?import`).catch(() => {});
    const tree = await waitForRustc(child.pid!);
    expect(output()).toContain("installing wasm-bindgen-cli 0.2.130");
    child.kill("SIGINT");
    await child;
    await expect.poll(() => stillRunning(tree.map((process) => process.pid)), { timeout: 10_000 }).toEqual([]);
    await expect.poll(() => processesMentioning(cacheDir), { timeout: 10_000 }).toEqual([]);
    // The install lock is released, and no version folder exists to be taken for a CLI.
    expect(fs.readdirSync(cacheDir).filter((name) => !name.startsWith("0.2.130.installing-"))).toEqual([]);
    await expect(
      findWasmBindgenCli("0.2.130", { path: undefined, install: false, download: false, cacheDir }, createLog(), path.join(dir, "crate/Cargo.toml")),
    ).rejects.toThrow("needs the wasm-bindgen CLI 0.2.130");
  });
});
