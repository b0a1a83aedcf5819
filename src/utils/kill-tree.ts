import { execFileSync } from "node:child_process";

/**
 * The descendants of `pid` in a `ps -A -o pid=,ppid=` listing, children first.
 * Pure, so it is unit-tested without processes.
 */
export function descendants(psOutput: string, pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const line of psOutput.split("\n")) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (!child || parent === undefined || Number.isNaN(parent)) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/**
 * Stops a process and everything it started. Killing only cargo would leave its rustc
 * and build-script children running as orphans; they are in cargo's process group, but
 * so is Vite, so the group cannot be signalled as a whole.
 */
export function killTree(pid: number): void {
  if (process.platform === "win32") {
    try {
      execFileSync("taskkill", ["/pid", String(pid), "/T", "/F"], { stdio: "ignore" });
    } catch {
      // already gone
    }
    return;
  }
  let tree: number[] = [];
  try {
    tree = descendants(execFileSync("ps", ["-A", "-o", "pid=,ppid="], { encoding: "utf8" }), pid);
  } catch {
    // no ps: fall back to the process itself
  }
  for (const target of [pid, ...tree]) {
    try {
      process.kill(target, "SIGTERM");
    } catch {
      // already gone
    }
  }
}
