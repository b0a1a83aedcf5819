import { createInterface } from "node:readline";
import { execa } from "execa";
import { killTree } from "./kill-tree.ts";

export interface CommandResult {
  exitCode: number;
  /** The signal that ended the command (SIGKILL from the OOM killer, a user's kill), if one did. */
  exitSignal: string | undefined;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Aborting stops the command and every process it started. */
  signal?: AbortSignal;
  /** Called for each line the command prints on stdout, as it prints it. */
  onStdoutLine?: (line: string) => void;
  /** Called for each line the command prints on stderr, as it prints it. */
  onStderrLine?: (line: string) => void;
}

/** Thrown when a run was stopped on purpose (the dev server closed). */
export class CancelledError extends Error {
  constructor(what: string) {
    super(`${what} was stopped because the server is closing`);
    this.name = "CancelledError";
  }
}

/**
 * Runs a command and collects its output, streaming lines to the callbacks. A
 * non-zero exit resolves (callers read the output to say what went wrong); aborting
 * the signal kills the whole process tree and rejects with CancelledError.
 */
export async function runCommand(command: string, args: string[], options: RunOptions): Promise<CommandResult & { notFound: boolean }> {
  options.signal?.throwIfAborted();
  const child = execa(command, args, {
    cwd: options.cwd,
    env: options.env,
    reject: false,
    // Deep dependency trees can print a lot of JSON.
    maxBuffer: 512 * 1024 * 1024,
  });
  const stop = () => {
    if (child.pid !== undefined) killTree(child.pid);
  };
  options.signal?.addEventListener("abort", stop, { once: true });
  if (options.onStdoutLine && child.stdout) createInterface({ input: child.stdout }).on("line", options.onStdoutLine);
  if (options.onStderrLine && child.stderr) createInterface({ input: child.stderr }).on("line", options.onStderrLine);
  try {
    const result = await child;
    if (options.signal?.aborted) throw new CancelledError(`${command} ${args[0] ?? ""}`.trim());
    return {
      exitCode: result.exitCode ?? 1,
      exitSignal: result.signal,
      stdout: result.stdout,
      stderr: result.stderr,
      notFound: result.failed && result.code === "ENOENT",
    };
  } finally {
    options.signal?.removeEventListener("abort", stop);
  }
}

/** How a failed command ended, for messages: "was killed by SIGKILL (…)" or "exited with code 2". */
export function howItEnded(result: CommandResult): string {
  const signal = result.exitSignal;
  if (!signal) return `exited with code ${result.exitCode}`;
  const why =
    signal === "SIGKILL"
      ? "out of memory, or another program stopped it"
      : /^SIG(SEGV|BUS|ABRT|ILL|FPE)$/.test(signal)
        ? "it crashed"
        : "it was stopped";
  return `was killed by ${signal} (${why})`;
}

/** What to do after a tool died mid-build: the next build runs it again. */
export const RUN_AGAIN = "Run the build again (in vite dev: save a file or reload the page).";
