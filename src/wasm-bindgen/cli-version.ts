import path from "node:path";
import { execa } from "execa";

/** The CLI's file name on this platform. */
export const CLI_EXECUTABLE = process.platform === "win32" ? "wasm-bindgen.exe" : "wasm-bindgen";

/** Parses `wasm-bindgen --version` output such as "wasm-bindgen 0.2.130". */
export function parseCliVersion(output: string): string | undefined {
  return /wasm-bindgen (\d+\.\d+\.\d+\S*)/.exec(output)?.[1];
}

/** The version a wasm-bindgen executable reports, or undefined when it does not run. */
export async function cliVersion(executable: string): Promise<string | undefined> {
  const result = await execa(executable, ["--version"], { reject: false });
  return result.failed ? undefined : parseCliVersion(result.stdout);
}

/** Where the CLI of a version lives once installed into the cache (the layout `cargo install --root` makes). */
export function cachedCliPath(cacheDir: string, version: string): string {
  return path.join(cacheDir, version, "bin", CLI_EXECUTABLE);
}
