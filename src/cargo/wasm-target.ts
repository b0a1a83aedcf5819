import type { Log } from "../utils/log.ts";
import { runCommand } from "../utils/run-command.ts";

/** Toolchain folders we already tried to add the target to: one attempt each per process. */
const attempted = new Set<string>();

/**
 * Adds the wasm32 target with rustup, as wasm-pack does, when a build found it missing:
 * a fresh Rust install has only the host's. Runs in the crate's folder, so a
 * rust-toolchain file there picks the toolchain that gets it. Returns whether the
 * target was added (then the build is worth trying again); rustup's output otherwise.
 */
export async function addWasmTarget(
  target: string,
  crateDir: string,
  log: Log,
  signal?: AbortSignal,
): Promise<{ added: true } | { added: false; reason: string }> {
  if (attempted.has(crateDir)) return { added: false, reason: "rustup was already asked once" };
  attempted.add(crateDir);
  log.info(`the ${target} Rust target is missing: adding it with \`rustup target add ${target}\` (once)`);
  const result = await runCommand("rustup", ["target", "add", target], { cwd: crateDir, signal });
  if (result.notFound) return { added: false, reason: "rustup is not on PATH" };
  if (result.exitCode !== 0) return { added: false, reason: result.stderr.trim() };
  return { added: true };
}
