import type { Log } from "../utils/log.ts";
import { runCommand } from "../utils/run-command.ts";

/**
 * One `rustup target add` per crate folder (its rust-toolchain file picks the toolchain)
 * and process: crates building at once share the run, and a failed one is not retried.
 */
const attempts = new Map<string, Promise<{ added: true } | { added: false; reason: string }>>();

/**
 * Adds the wasm32 target with rustup, as wasm-pack does, when a build found it missing:
 * a fresh Rust install has only the host's. Runs in the crate's folder, so a
 * rust-toolchain file there picks the toolchain that gets it. Returns whether the
 * target was added (then the build is worth trying again); rustup's output otherwise.
 */
export function addWasmTarget(
  target: string,
  crateDir: string,
  log: Log,
  signal?: AbortSignal,
): Promise<{ added: true } | { added: false; reason: string }> {
  let attempt = attempts.get(crateDir);
  if (!attempt) {
    attempt = runRustup(target, crateDir, log, signal);
    attempts.set(crateDir, attempt);
  }
  return attempt;
}

async function runRustup(
  target: string,
  crateDir: string,
  log: Log,
  signal?: AbortSignal,
): Promise<{ added: true } | { added: false; reason: string }> {
  log.info(`the ${target} Rust target is missing: adding it with \`rustup target add ${target}\` (once)`);
  const result = await runCommand("rustup", ["target", "add", target], { cwd: crateDir, signal });
  if (result.notFound) return { added: false, reason: "rustup is not on PATH" };
  if (result.exitCode !== 0) return { added: false, reason: result.stderr.trim() };
  return { added: true };
}
