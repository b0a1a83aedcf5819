import fs from "node:fs";
import path from "node:path";
import { execaSync } from "execa";

/**
 * Puts logging wrappers for `cargo` and `wasm-bindgen` first on PATH. Each wrapper
 * records its arguments with start and end times (nanoseconds), then runs the real
 * tool, so tests can count and time what the plugin actually ran.
 */
export function installToolShims(dir: string, realWasmBindgen: string): {
  binDir: string;
  /** Lines `<start-ns> <end-ns> <args…>` per finished run. */
  runs(tool: "cargo" | "wasm-bindgen"): { start: number; end: number; args: string }[];
} {
  const binDir = path.join(dir, "bin");
  fs.mkdirSync(binDir, { recursive: true });
  const realCargo = execaSync("sh", ["-c", "command -v cargo"]).stdout.trim();
  for (const [tool, real] of [["cargo", realCargo], ["wasm-bindgen", realWasmBindgen]] as const) {
    const log = path.join(dir, `${tool}.log`);
    fs.writeFileSync(log, "");
    fs.writeFileSync(
      path.join(binDir, tool),
      `#!/bin/sh\nstart=$(date +%s%N)\n"${real}" "$@"\nstatus=$?\necho "$start $(date +%s%N) $*" >> "${log}"\nexit $status\n`,
      { mode: 0o755 },
    );
  }
  return {
    binDir,
    runs(tool) {
      return fs
        .readFileSync(path.join(dir, `${tool}.log`), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const [start, end, ...args] = line.split(" ");
          return { start: Number(start) / 1e6, end: Number(end) / 1e6, args: args.join(" ") };
        });
    },
  };
}
