import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { pathCandidates } from "../utils/path-lookup.ts";
import { howItEnded, runCommand } from "../utils/run-command.ts";
import { bytesOf } from "../utils/bytes.ts";

/**
 * The oldest native wasm-opt we use. Binaryen 108 and older re-point wasm-bindgen's
 * exported externref table at the function table when they write the module, even
 * with no passes (binaryen#4711, fixed in 110): checked here with Debian bookworm's
 * 108 on the playground crate, whose page then fails in `Table.set`. 110+ is reported
 * correct through 129 (AzurIce/ranim#179); verified here: 132 (the binaryen package's
 * own CLI). Older ones are passed over for the binaryen package.
 */
export const MIN_NATIVE_WASM_OPT_VERSION = 110;

/** A native wasm-opt executable we may run. */
export interface NativeWasmOpt {
  path: string;
  version: number;
  /** All `--version` printed, e.g. "wasm-opt version 123 (version_122-45-gabc)": builds of one number differ. */
  versionText: string;
  /** The `--enable-<feature>` flags this version knows (newer features are absent in old ones). */
  enableFlags: Set<string>;
}

/** Parses `wasm-opt --version` output: "wasm-opt version 108" or "wasm-opt version 123 (version_123)". */
export function parseWasmOptVersion(output: string): number | undefined {
  const match = /wasm-opt version (\d+)/.exec(output);
  return match ? Number(match[1]) : undefined;
}

/** The `--enable-*` flags listed in `wasm-opt --help`. */
export function parseEnableFlags(help: string): Set<string> {
  return new Set(help.match(/--enable-[a-z0-9-]+/g) ?? []);
}

/** binaryen's `Features` names as wasm-opt command-line flags. */
const FEATURE_FLAGS: Record<string, string> = {
  Atomics: "--enable-threads",
  MutableGlobals: "--enable-mutable-globals",
  NontrappingFPToInt: "--enable-nontrapping-float-to-int",
  BulkMemory: "--enable-bulk-memory",
  BulkMemoryOpt: "--enable-bulk-memory-opt",
  SignExt: "--enable-sign-ext",
  ReferenceTypes: "--enable-reference-types",
  Multivalue: "--enable-multivalue",
  CallIndirectOverlong: "--enable-call-indirect-overlong",
};

/**
 * The arguments of one native run; pure so tests can check them. Features an older
 * wasm-opt has no flag for are left out: there they are part of a broader one
 * (bulk-memory-opt of bulk-memory) or not checked at all (overlong call_indirect).
 */
export function nativeWasmOptArgs(options: {
  input: string;
  output: string;
  level: string | number;
  features: readonly string[];
  enableFlags: ReadonlySet<string>;
  /** Passes to run after the level, by name. */
  passes: readonly string[];
  extraArgs: readonly string[];
}): string[] {
  const flags = options.features
    .map((name) => FEATURE_FLAGS[name])
    .filter((flag): flag is string => flag !== undefined && options.enableFlags.has(flag));
  const passes = options.passes.map((pass) => `--${pass}`);
  return [options.input, `-O${options.level}`, ...flags, ...passes, ...options.extraArgs, "-o", options.output];
}

// One lookup per executable and PATH per process: `--version` and `--help` cost ~20 ms.
const lookups = new Map<string, Promise<NativeWasmOpt | { rejected: string }>>();

/**
 * Looks at `executable` (default: the first native `wasm-opt` on PATH) and returns it
 * when it runs and is at least MIN_NATIVE_WASM_OPT_VERSION, else says why not.
 */
export function findNativeWasmOpt(executable?: string): Promise<NativeWasmOpt | { rejected: string }> {
  const key = `${executable ?? ""}\0${process.env.PATH ?? ""}`;
  let lookup = lookups.get(key);
  if (!lookup) {
    lookup = executable ? inspect(executable) : firstUsableOnPath();
    lookups.set(key, lookup);
  }
  return lookup;
}

/**
 * The first `wasm-opt` on PATH that is neither a Node script nor too old: an old
 * distro wasm-opt early on PATH must not hide a newer one later. npm puts
 * node_modules/.bin first on PATH in scripts, and the `binaryen` package links its
 * JS wasm-opt there: running that as a "native" one would be the slowest choice.
 */
async function firstUsableOnPath(): Promise<NativeWasmOpt | { rejected: string }> {
  const names = process.platform === "win32" ? ["wasm-opt.exe"] : ["wasm-opt"];
  let firstRejection: { rejected: string } | undefined;
  for (const file of names.flatMap(pathCandidates)) {
    const head = await readHead(file);
    if (head === undefined || /^#!.*\bnode\b/.test(head)) continue;
    const found = await inspect(file);
    if ("path" in found) return found;
    firstRejection ??= found;
  }
  return firstRejection ?? { rejected: "no native wasm-opt on PATH" };
}

async function readHead(file: string): Promise<string | undefined> {
  const handle = await fs.open(file, "r").catch(() => undefined);
  if (!handle) return undefined;
  try {
    const buffer = Buffer.alloc(64);
    const { bytesRead } = await handle.read(buffer, 0, 64, 0);
    return buffer.subarray(0, bytesRead).toString("latin1").split("\n")[0];
  } finally {
    await handle.close();
  }
}

async function inspect(executable: string): Promise<NativeWasmOpt | { rejected: string }> {
  const versionRun = await execa(executable, ["--version"], { reject: false });
  if (versionRun.failed) return { rejected: `${executable} could not be run (${versionRun.code ?? `exit ${versionRun.exitCode}`})` };
  const version = parseWasmOptVersion(versionRun.stdout);
  if (version === undefined) return { rejected: `${executable} --version printed no wasm-opt version: ${versionRun.stdout.trim()}` };
  if (version < MIN_NATIVE_WASM_OPT_VERSION) {
    return {
      rejected: `${executable} is version ${version}; versions before ${MIN_NATIVE_WASM_OPT_VERSION} break wasm-bindgen's externref table (binaryen#4711)`,
    };
  }
  const help = await execa(executable, ["--help"], { reject: false });
  // A relative path would break: wasm-opt runs in a temporary folder.
  const resolved = /[\\/]/.test(executable) ? path.resolve(executable) : executable;
  return { path: resolved, version, versionText: versionRun.stdout.trim(), enableFlags: parseEnableFlags(help.stdout) };
}

/**
 * Optimizes with a native wasm-opt: a child process, so the event loop stays free, and
 * 4-5x faster than binaryen.js here. Rejects with wasm-opt's own output on failure.
 */
export async function optimizeWithNativeWasmOpt(
  wasmOpt: NativeWasmOpt,
  wasm: Uint8Array,
  options: {
    level: string | number;
    features: readonly string[];
    passes: readonly string[];
    extraArgs: readonly string[];
    signal?: AbortSignal;
  },
): Promise<Uint8Array> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "vite-plugin-crate-wasm-opt-"));
  try {
    const input = path.join(dir, "input.wasm");
    const output = path.join(dir, "output.wasm");
    await fs.writeFile(input, wasm);
    const args = nativeWasmOptArgs({ input, output, ...options, enableFlags: wasmOpt.enableFlags });
    const result = await runCommand(wasmOpt.path, args, { cwd: dir, signal: options.signal });
    if (result.exitCode !== 0) {
      const printed = `${result.stderr}\n${result.stdout}`.trim().slice(0, 2000);
      throw new Error(`${wasmOpt.path} ${howItEnded(result)}${printed ? `:\n${printed}` : ""}`);
    }
    return bytesOf(await fs.readFile(output));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
