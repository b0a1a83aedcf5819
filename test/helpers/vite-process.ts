import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { execa, type ResultPromise } from "execa";
import { descendants } from "../../src/utils/kill-tree.ts";
import { REPO_ROOT } from "./fixtures.ts";

const VITE_BIN = path.join(REPO_ROOT, "node_modules/vite/bin/vite.js");

/**
 * Writes `<root>/vite.config.ts` using the plugin from src/ with `options` (a JS
 * object literal), as a user's app would. Vite bundles the config and our TS with it.
 * The cache folder is the app's own (a copy outside any package would share the repo's).
 */
export function writeViteConfig(root: string, options = "{}"): void {
  const plugin = JSON.stringify(path.join(REPO_ROOT, "src/index.ts"));
  fs.writeFileSync(
    path.join(root, "vite.config.ts"),
    `import crate from ${plugin};\nexport default { plugins: [crate(${options})], cacheDir: ".vite-cache", logLevel: "info" };\n`,
  );
}

/** A `vite` (dev) process on `root`, as `npx vite` runs it: its own process, its own signals. */
export async function startViteProcess(root: string, env: NodeJS.ProcessEnv = {}): Promise<{ child: ResultPromise; url: string; output: () => string }> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = execa("node", [VITE_BIN, "--port", String(port), "--strictPort"], {
    cwd: root,
    env: { ...env, NO_COLOR: "1", FORCE_COLOR: undefined },
    reject: false,
    all: true,
    // Our own test: it must not kill the child's tree on exit for us.
    cleanup: false,
  });
  let all = "";
  child.all!.on("data", (chunk: Buffer) => (all += stripVTControlCharacters(chunk.toString())));
  const deadline = Date.now() + 60_000;
  while (!/Local:\s+http/.test(all)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`vite did not start:\n${all}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, url: `http://localhost:${port}/`, output: () => all };
}

/** Pids and commands of `pid`'s descendants now. */
export function processTree(pid: number): { pid: number; command: string }[] {
  const ps = execFileSync("ps", ["-A", "-o", "pid=,ppid=,comm="], { encoding: "utf8" });
  const commands = new Map(
    ps
      .split("\n")
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields.length >= 3)
      .map(([child, , command]) => [Number(child), command!]),
  );
  return descendants(ps, pid).map((child) => ({ pid: child, command: commands.get(child) ?? "?" }));
}

/** Which of these pids are still alive (zombies count as gone). */
export function stillRunning(pids: number[]): number[] {
  const ps = execFileSync("ps", ["-A", "-o", "pid=,stat="], { encoding: "utf8" });
  const alive = new Set(
    ps
      .split("\n")
      .map((line) => line.trim().split(/\s+/))
      .filter(([, stat]) => stat !== undefined && !stat.startsWith("Z"))
      .map(([pid]) => Number(pid)),
  );
  return pids.filter((pid) => alive.has(pid));
}
