import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { WASM_TARGET, withRustcArgs } from "../cargo/build.ts";
import { exists } from "../utils/fs.ts";
import { runCommand } from "../utils/run-command.ts";
import { readModuleInterface } from "../wasm-binary/module-interface.ts";
import { INSTALL_HOOK_EXPORT, PANIC_HOOK_SOURCE } from "./hook-source.ts";

/**
 * How the hook is compiled: an object file (not an rlib), so it reaches only the final
 * link, through `-C link-arg`, and no dependency is rebuilt. One codegen unit, so
 * `-o` names the one object rustc writes.
 */
const HOOK_RUSTC_ARGS = [
  "--crate-type", "lib",
  "--crate-name", "vite_plugin_crate_panic_hook",
  "--edition", "2021",
  "--target", WASM_TARGET,
  "-C", "opt-level=0",
  "-C", "codegen-units=1",
  "-C", "debuginfo=0",
  "--emit", "obj",
];

/** Names the objects, so a linker error about one says whose it is. */
const OBJECT_PREFIX = "vite-plugin-crate-panic-hook-";

export interface PanicHookObjectOptions {
  signal?: AbortSignal;
  /** The rustup toolchain cargo builds with (`cargo +<toolchain>`), when one is forced. */
  toolchain?: string;
}

/**
 * The rustc cargo runs: `$RUSTC` when set, else rustup's proxy, which reads the crate
 * folder's rust-toolchain file, or takes the `+toolchain` cargo was given.
 */
function rustcCommand(toolchain: string | undefined, env: NodeJS.ProcessEnv = process.env): { command: string; prefix: string[] } {
  if (env.RUSTC) return { command: env.RUSTC, prefix: [] };
  return { command: "rustc", prefix: toolchain ? [`+${toolchain}`] : [] };
}

/**
 * The panic hook compiled for the toolchain that builds the crate in `crateDir`, as an
 * object file in `cacheDir`. The hook calls std, so the object only links against the
 * std of the rustc that compiled it: rustc runs in the crate's folder, where rustup
 * picks the same toolchain as cargo, and the object's name hashes that rustc's
 * `-vV` and the source, so a toolchain change compiles it again (about 0.15 s, once;
 * a cached object costs the `rustc -vV`, about 30 ms through rustup).
 * Written through a temporary folder and a rename: concurrent builds never see half a
 * file. Rejects when rustc is missing or fails (the wasm32 target not installed yet):
 * the build then goes on without the hook.
 */
export async function panicHookObject(crateDir: string, cacheDir: string, options: PanicHookObjectOptions = {}): Promise<string> {
  const { signal } = options;
  const { command: rustc, prefix } = rustcCommand(options.toolchain);
  const version = await runCommand(rustc, [...prefix, "-vV"], { cwd: crateDir, signal });
  if (version.notFound || version.exitCode !== 0) {
    throw new Error(`\`${rustc} -vV\` failed in ${crateDir}: ${version.notFound ? "not found" : version.stderr.trim()}`);
  }
  const key = createHash("sha256")
    .update(JSON.stringify([version.stdout, HOOK_RUSTC_ARGS, PANIC_HOOK_SOURCE]))
    .digest("hex")
    .slice(0, 16);
  const objectPath = path.join(cacheDir, `${OBJECT_PREFIX}${key}.o`);
  if (await exists(objectPath)) return objectPath;

  await fs.mkdir(cacheDir, { recursive: true });
  const tempDir = await fs.mkdtemp(path.join(cacheDir, `${OBJECT_PREFIX}${key}.tmp-`));
  try {
    const source = path.join(tempDir, "hook.rs");
    const object = path.join(tempDir, "hook.o");
    await fs.writeFile(source, PANIC_HOOK_SOURCE);
    const result = await runCommand(rustc, [...prefix, ...HOOK_RUSTC_ARGS, "-o", object, source], { cwd: crateDir, signal });
    if (result.exitCode !== 0) {
      throw new Error(`compiling the panic hook with ${rustc} in ${crateDir} failed:\n${result.stderr.trim()}`);
    }
    await fs.rename(object, objectPath);
    return objectPath;
  } finally {
    await fs.rm(tempDir, { recursive: true, force: true });
  }
}

/**
 * The rustc arguments that link the hook object into the crate, for after cargo's
 * `--` (those reach only the final crate). `--export` keeps the install function,
 * which nothing in the crate calls, out of the linker's garbage collection.
 */
export function panicHookRustcArgs(objectPath: string): string[] {
  return ["-C", `link-arg=${objectPath}`, "-C", `link-arg=--export=${INSTALL_HOOK_EXPORT}`];
}

/**
 * `cargoArgs` with the hook's rustc arguments added after their `--`, or after a new
 * one: the user's own `-- …` arguments stay, and cargo accepts only one `--`.
 */
export function withPanicHookArgs(cargoArgs: string[], objectPath: string): string[] {
  return withRustcArgs(cargoArgs, panicHookRustcArgs(objectPath));
}

/**
 * Did a failed cargo run fail because of the hook? wasm-ld names the object when it
 * refuses it, e.g. for a feature mismatch: "--shared-memory is disallowed by
 * vite-plugin-crate-panic-hook-….o because it was not compiled with 'atomics' …".
 * (rustc 1.95 no longer prints the whole linker command line, which names it too:
 * when the build fails again without the hook, the hook was not the cause.)
 */
export function mentionsPanicHook(cargoOutput: string): boolean {
  return cargoOutput.includes(OBJECT_PREFIX) || cargoOutput.includes(INSTALL_HOOK_EXPORT);
}

/**
 * Does cargo's wasm import Rust symbols from `env`? A hook object compiled by another
 * toolchain than the one cargo used (a `RUSTC`, a `build.rustc` or rustup override only
 * cargo saw, `-Zbuild-std`) calls std functions under mangled names this std does not
 * define, and rustc links wasm with `--allow-undefined`: the link "succeeds" and the
 * missing functions become `env` imports (`_ZN…`, `_R…`, `__rust_alloc`) that no glue
 * provides, so the module would fail to instantiate. The build then runs again
 * without the hook. A module this reader cannot read counts as fine: validation, later,
 * says what is wrong with it.
 */
export function hasForeignStdImports(wasm: Uint8Array): boolean {
  let imports;
  try {
    imports = readModuleInterface(wasm).imports;
  } catch {
    return false;
  }
  return imports.some((entry) => entry.module === "env" && /^(_ZN|_R\d*[A-Z]|__rust_)/.test(entry.name));
}
