// The background install of a native wasm-opt (see install.ts): started detached, so it
// outlives the `vite build` that started it, and niced, so it stays out of the way of
// the builds that go on meanwhile. Runs `cargo install` into a private folder, checks
// the executable prints the expected version, renames the folder into place (so a
// half-done install never passes for a finished one), records how it ended in the
// status file and removes the marker that says an install is running.
// Plain JS (not TS) so Node can start it from src/ and dist/ alike.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * @type {{ cargo: string, crateVersion: string, binaryenVersion: number, root: string,
 *   executable: string, marker: string, status: string }}
 */
const job = JSON.parse(process.argv[2] ?? "{}");

/** @param {object} status */
function finish(status) {
  fs.writeFileSync(job.status, `${JSON.stringify({ ...status, finished: new Date().toISOString() })}\n`);
  fs.rmSync(job.marker, { force: true });
}

try {
  os.setPriority(os.constants.priority.PRIORITY_LOW);
} catch {
  // Not allowed here: run at normal priority.
}
const staging = `${job.root}.installing-${process.pid}`;
try {
  fs.rmSync(staging, { recursive: true, force: true });
  const args = ["install", "wasm-opt", "--version", `=${job.crateVersion}`, "--locked", "--root", staging];
  process.stdout.write(`$ ${job.cargo} ${args.join(" ")}\n`);
  const install = spawnSync(job.cargo, args, { stdio: "inherit", cwd: path.dirname(job.root) });
  if (install.status !== 0) {
    finish({ ok: false, reason: `cargo install exited with ${install.status ?? install.signal}` });
  } else {
    const installed = path.join(staging, path.relative(job.root, job.executable));
    const version = spawnSync(installed, ["--version"], { encoding: "utf8" });
    if (!new RegExp(`wasm-opt version ${job.binaryenVersion}\\b`).test(version.stdout ?? "")) {
      finish({ ok: false, reason: `the installed wasm-opt printed ${JSON.stringify((version.stdout ?? "").trim())}` });
    } else {
      fs.rmSync(job.root, { recursive: true, force: true });
      fs.renameSync(staging, job.root);
      process.stdout.write(`installed ${job.executable}: ${version.stdout.trim()}\n`);
      finish({ ok: true });
    }
  }
} catch (error) {
  finish({ ok: false, reason: /** @type {Error} */ (error).message });
} finally {
  fs.rmSync(staging, { recursive: true, force: true });
}
