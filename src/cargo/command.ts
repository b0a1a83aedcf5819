import { execa } from "execa";
import { CrateError } from "../utils/error.ts";

export interface CargoResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The error for a machine with no cargo, shared by every step that runs it. */
export function cargoNotFoundError(manifestPath: string, cause?: unknown): CrateError {
  return new CrateError(
    `cargo was not found on PATH, so ${manifestPath} cannot be built. ` +
      "Install Rust with rustup (https://rustup.rs), run `rustup target add wasm32-unknown-unknown`, " +
      "then start Vite again from a shell where `cargo --version` works.",
    { file: manifestPath, code: "CARGO_NOT_FOUND", cause },
  );
}

/**
 * Runs `cargo <args>` for the crate at `manifestPath` and collects its output. A
 * non-zero exit resolves (callers read cargo's output to say what went wrong); a
 * missing cargo rejects with a clear CrateError.
 */
export async function runCargo(
  manifestPath: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<CargoResult> {
  const result = await execa("cargo", args, {
    cwd: options.cwd,
    env: options.env,
    cancelSignal: options.signal,
    reject: false,
    // Deep trees of build output can exceed the default buffer on big workspaces.
    maxBuffer: 512 * 1024 * 1024,
  });
  if (result.failed && result.code === "ENOENT") throw cargoNotFoundError(manifestPath, result);
  if (result.isCanceled) throw new Error(`cargo ${args[0]} was cancelled`);
  return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
}
