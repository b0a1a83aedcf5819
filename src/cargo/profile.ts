import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parse as parseToml } from "smol-toml";

/**
 * What a release build is tuned for. `"size"` and `"speed"` layer settings over cargo's
 * release profile; `"none"` leaves it exactly as the user's Cargo.toml and config say.
 */
export type BuildProfile = "size" | "speed" | "none";

/** A value of a cargo profile key, as written in TOML. */
type ProfileValue = string | number | boolean;

/**
 * The release-profile settings each build profile applies. LTO with one codegen unit
 * lets LLVM drop and inline across crates (the biggest win for wasm size); panics
 * abort, which is all wasm32-unknown-unknown can do anyway, without unwinding tables;
 * debug info is stripped but symbol names stay, so the size report can name functions
 * (wasm-opt drops the names from the shipped file).
 */
const PROFILE_SETTINGS: Record<Exclude<BuildProfile, "none">, Record<string, ProfileValue>> = {
  // "z" over "s": after wasm-opt -Oz the markdown bench crate is 186.7 KB with "z" and
  // 222.4 KB with "s"; the playground crate is 43.7 vs 43.3 KB, a wash.
  size: { "opt-level": "z", lto: true, "codegen-units": 1, panic: "abort", strip: "debuginfo" },
  speed: { "opt-level": 3, lto: true, "codegen-units": 1, panic: "abort", strip: "debuginfo" },
};

/**
 * The release-profile keys we set, minus those the user set anywhere cargo reads
 * profiles from: their explicit value always wins. Setting `debug` counts as setting
 * `strip` too (someone who asked for debug info does not want it stripped).
 */
export function profileOverrides(profile: BuildProfile, userKeys: ReadonlySet<string>): Record<string, ProfileValue> {
  if (profile === "none") return {};
  const overrides: Record<string, ProfileValue> = {};
  for (const [key, value] of Object.entries(PROFILE_SETTINGS[profile])) {
    if (userKeys.has(key) || (key === "strip" && userKeys.has("debug"))) continue;
    overrides[key] = value;
  }
  return overrides;
}

/**
 * `--config profile.release.<key>=<value>` arguments: cargo applies them without
 * touching Cargo.toml, and they beat the manifest, which is why only keys the user left
 * unset are passed.
 */
export function profileConfigArgs(overrides: Record<string, ProfileValue>): string[] {
  return Object.entries(overrides).flatMap(([key, value]) => ["--config", `profile.release.${key}=${JSON.stringify(value)}`]);
}

/**
 * Every `profile.release` key the user set: in the workspace root's Cargo.toml (the
 * only manifest whose profiles count), in cargo config files from `cwd` up and in
 * `$CARGO_HOME`, as `CARGO_PROFILE_RELEASE_*` variables, or in `--config` arguments.
 */
export async function userReleaseProfileKeys(options: {
  workspaceRoot: string;
  cwd: string;
  cargoArgs: readonly string[];
  env?: NodeJS.ProcessEnv;
}): Promise<Set<string>> {
  const env = options.env ?? process.env;
  const keys = new Set<string>();
  const addFrom = (table: unknown) => {
    const release = (table as { profile?: { release?: unknown } } | undefined)?.profile?.release;
    if (release && typeof release === "object") for (const key of Object.keys(release)) keys.add(key);
  };

  addFrom(await readToml(path.join(options.workspaceRoot, "Cargo.toml")));
  for (const file of cargoConfigFiles(options.cwd, env)) addFrom(await readToml(file));
  for (const name of Object.keys(env)) {
    const match = /^CARGO_PROFILE_RELEASE_(OPT_LEVEL|LTO|CODEGEN_UNITS|PANIC|STRIP|DEBUG)$/.exec(name);
    if (match) keys.add(match[1]!.toLowerCase().replace("_", "-"));
  }
  for (const arg of options.cargoArgs) {
    const match = /profile\.release\.([\w-]+)\s*=/.exec(arg);
    if (match) keys.add(match[1]!);
  }
  return keys;
}

/** Cargo's config files in the order it reads them: `cwd` and its parents, then CARGO_HOME. */
function cargoConfigFiles(cwd: string, env: NodeJS.ProcessEnv): string[] {
  const files: string[] = [];
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    files.push(path.join(dir, ".cargo", "config.toml"), path.join(dir, ".cargo", "config"));
    if (path.dirname(dir) === dir) break;
  }
  const cargoHome = env.CARGO_HOME ?? path.join(os.homedir(), ".cargo");
  files.push(path.join(cargoHome, "config.toml"), path.join(cargoHome, "config"));
  return files;
}

async function readToml(file: string): Promise<unknown> {
  const text = await fs.readFile(file, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return parseToml(text);
  } catch {
    // cargo itself reports a broken manifest or config far better than we could.
    return undefined;
  }
}
