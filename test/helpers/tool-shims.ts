import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa, execaSync } from "execa";
import { loadCrateInfo } from "../../src/cargo/metadata.ts";
import { userCacheDir } from "../../src/utils/cache-dir.ts";
import { cachedCliPath, cliVersion } from "../../src/wasm-bindgen/cli-version.ts";
import { REPO_ROOT } from "./fixtures.ts";

/**
 * The wasm-bindgen CLI the fixtures and the playground need (installed by global
 * setup). Found without findWasmBindgenCli on purpose: that remembers its answer for
 * the whole process, and a test that puts a logging shim on PATH needs the plugin's
 * own lookup to find the shim, not this path.
 */
export async function realWasmBindgen(): Promise<string> {
  const manifest = path.join(REPO_ROOT, "playground/crate/Cargo.toml");
  const wasmBindgenVersion = (await loadCrateInfo(manifest)).wasmBindgenVersion!;
  const cached = cachedCliPath(path.join(userCacheDir(), "wasm-bindgen-cli"), wasmBindgenVersion);
  if (fs.existsSync(cached)) return cached;
  const onPath = (await execa("sh", ["-c", "command -v wasm-bindgen"], { reject: false })).stdout.trim();
  if (onPath && (await cliVersion(onPath)) === wasmBindgenVersion) return onPath;
  throw new Error(`no wasm-bindgen CLI ${wasmBindgenVersion} in ${cached} or on PATH: test global setup installs it`);
}

/**
 * A wasm-opt CLI new enough for the plugin's native path: the `binaryen` package's
 * own `bin/wasm-opt` (binaryen 132, the JS build). Debian's native wasm-opt is 108,
 * which the plugin rejects (it breaks wasm-bindgen's externref table), and nothing
 * newer can be installed here.
 */
export function binaryenPackageCli(): string {
  return fileURLToPath(new URL("./bin/wasm-opt", import.meta.resolve("binaryen")));
}

type Tool = "cargo" | "wasm-bindgen" | "wasm-opt";

/**
 * Puts logging wrappers for `cargo`, `wasm-bindgen` and (when given) a native
 * `wasm-opt` in a folder for the front of PATH. Each wrapper records its arguments
 * with start and end times (nanoseconds), then runs the real tool, so tests can count
 * and time what the plugin actually ran.
 */
export function installToolShims(dir: string, realWasmBindgen: string, realWasmOpt?: string): {
  binDir: string;
  /** Lines `<start-ns> <end-ns> <args…>` per finished run. */
  runs(tool: Tool): { start: number; end: number; args: string }[];
} {
  const binDir = path.join(dir, "bin");
  fs.mkdirSync(binDir, { recursive: true });
  const realCargo = execaSync("sh", ["-c", "command -v cargo"]).stdout.trim();
  const tools: [Tool, string][] = [["cargo", realCargo], ["wasm-bindgen", realWasmBindgen]];
  if (realWasmOpt) tools.push(["wasm-opt", realWasmOpt]);
  for (const [tool, real] of tools) {
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
