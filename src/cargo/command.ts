import { CrateError } from "../utils/error.ts";
import { runCommand, type CommandResult, type RunOptions } from "../utils/run-command.ts";

/** The error for a machine with no cargo, shared by every step that runs it. */
function cargoNotFoundError(manifestPath: string, cause?: unknown): CrateError {
  return new CrateError(
    `cargo was not found on PATH, so ${manifestPath} cannot be built. ` +
      "Install Rust with rustup (https://rustup.rs), run `rustup target add wasm32-unknown-unknown`, " +
      "then start Vite again from a shell where `cargo --version` works.",
    { file: manifestPath, code: "CARGO_NOT_FOUND", cause },
  );
}

/** `runCommand` for cargo, with a clear error when cargo is not installed. */
export async function runCargo(manifestPath: string, args: string[], options: RunOptions): Promise<CommandResult> {
  const result = await runCommand("cargo", args, options);
  if (result.notFound) throw cargoNotFoundError(manifestPath, result);
  return result;
}

/** Cargo's stderr without its progress lines ("Compiling …", "Downloaded …"). */
export function cargoErrorText(stderr: string): string {
  return stderr
    .split("\n")
    .filter((line) => !/^\s*(Compiling|Checking|Downloaded|Downloading|Updating|Locking|Adding|Fresh|Blocking|Finished)\b/.test(line))
    .join("\n")
    .trim();
}
