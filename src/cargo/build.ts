import fs from "node:fs/promises";
import { CrateError, type Location } from "../utils/error.ts";
import { cargoErrorText, runCargo } from "./command.ts";
import { howItEnded, RUN_AGAIN } from "../utils/run-command.ts";
import type { Log } from "../utils/log.ts";
import type { BuildProgress } from "./progress.ts";
import { addWasmTarget } from "./wasm-target.ts";
import { parseDepInfo } from "./dep-info.ts";
import { THREADS_CARGO_ARGS, THREADS_RUSTC_ARGS, threadsToolchainError } from "./threads.ts";
import type { CrateInfo } from "./metadata.ts";
import { dependencyError, manifestError } from "./metadata.ts";
import {
  isMissingTargetError,
  parseCargoMessages,
  primarySpan,
  type Diagnostic,
} from "./messages.ts";

export const WASM_TARGET = "wasm32-unknown-unknown";

export interface CargoBuildOptions {
  release: boolean;
  features: string[];
  noDefaultFeatures: boolean;
  cargoArgs: string[];
  /** `--config profile.release.*` arguments of the build profile, before the user's cargoArgs. */
  profileConfig?: string[];
  /** A rustup toolchain to build with (`cargo +<toolchain>`), over the crate's rust-toolchain.toml. */
  toolchain?: string;
}

export interface CargoBuildResult {
  /** The .wasm cargo produced (inside the target dir: copy it before the next build). */
  wasmPath: string;
  /** Every source file the build read, from cargo's dep-info. */
  sourceFiles: string[];
  /** rustc's warnings for the crate (not its dependencies'). */
  warnings: CompilerWarning[];
}

/** A rustc warning, shaped for Rollup's `this.warn`. */
export interface CompilerWarning {
  /** rustc's rendering, without its leading "warning: " (the bundler prints its own). */
  message: string;
  /** The lint that fired (`unused_variables`, `dead_code`), or RUSTC_WARNING. */
  code: string;
  /** The file the warning is about: its primary span's, else the manifest. */
  id: string;
  loc: Location | undefined;
}

/** The `cargo rustc` arguments for a crate; pure so tests can check them. */
export function cargoBuildArgs(crate: CrateInfo, options: CargoBuildOptions): string[] {
  const args = [
    ...(options.toolchain ? [`+${options.toolchain}`] : []),
    "rustc",
    "--lib",
    // Builds a cdylib even when Cargo.toml declares no `crate-type = ["cdylib"]`.
    "--crate-type",
    "cdylib",
    "--target",
    WASM_TARGET,
    "--message-format=json",
    "--manifest-path",
    crate.manifestPath,
  ];
  if (options.release) args.push("--release");
  if (options.noDefaultFeatures) args.push("--no-default-features");
  if (options.features.length > 0) args.push("--features", options.features.join(","));
  if (crate.threads) args.push(...THREADS_CARGO_ARGS);
  // Ours first: where the user's cargoArgs set the same key, the later --config wins.
  args.push(...(options.profileConfig ?? []), ...options.cargoArgs);
  return crate.threads ? withRustcArgs(args, THREADS_RUSTC_ARGS) : args;
}

/**
 * `cargo rustc` arguments with `rustcArgs` for the final crate added after their `--`,
 * or after a new one: the user's own `-- …` arguments stay, and cargo takes one `--`.
 */
export function withRustcArgs(cargoArgs: string[], rustcArgs: string[]): string[] {
  return cargoArgs.includes("--") ? [...cargoArgs, ...rustcArgs] : [...cargoArgs, "--", ...rustcArgs];
}

interface CargoRun {
  signal?: AbortSignal;
  progress?: BuildProgress;
  /** For the one line saying a missing wasm32 target is being added. */
  log?: Log;
}

/**
 * Compiles the crate's lib to wasm and returns where cargo put it. A toolchain without
 * the wasm32 target gets it from rustup (once), then the build runs again.
 */
export async function cargoBuild(crate: CrateInfo, options: CargoBuildOptions, run: CargoRun = {}): Promise<CargoBuildResult> {
  try {
    return await cargoBuildOnce(crate, options, run);
  } catch (error) {
    if (!(error instanceof CrateError && error.code === "MISSING_TARGET" && run.log)) throw error;
    const outcome = await addWasmTarget(WASM_TARGET, crate.crateDir, run.log, run.signal);
    if (!outcome.added) {
      error.message += `\n\n(rustup target add did not help: ${outcome.reason})`;
      throw error;
    }
    return cargoBuildOnce(crate, options, run);
  }
}

async function cargoBuildOnce(crate: CrateInfo, options: CargoBuildOptions, run: CargoRun): Promise<CargoBuildResult> {
  const { progress } = run;
  const result = await runCargo(crate.manifestPath, cargoBuildArgs(crate, options), {
    cwd: crate.crateDir,
    signal: run.signal,
    onStdoutLine: progress && ((line) => {
      const packageId = artifactPackageId(line);
      if (packageId) progress.artifact(packageId);
    }),
    onStderrLine: progress && ((line) => {
      if (line.includes("Blocking waiting for file lock")) progress.blocked();
    }),
  }).finally(() => progress?.done());
  const messages = parseCargoMessages(result.stdout, crate.manifestPath);
  const warnings = messages.diagnostics
    .filter((d) => d.level === "warning" && d.rendered)
    .map((d) => compilerWarning(crate, d));

  if (result.exitSignal) {
    throw new CrateError(
      `cargo ${howItEnded(result)} while building ${crate.manifestPath}, so nothing was built. ${RUN_AGAIN}`,
      { file: crate.manifestPath, code: "CARGO_KILLED" },
    );
  }
  if (result.exitCode !== 0 || messages.success === false) {
    if (crate.threads) {
      const toolchainError = threadsToolchainError(crate.manifestPath, result.stderr);
      if (toolchainError) throw toolchainError;
    }
    throw buildError(crate, messages.diagnostics, result.stderr);
  }
  const wasmPath = messages.wasmFiles.at(-1);
  if (!wasmPath) {
    throw new CrateError(
      `cargo finished but reported no .wasm for ${crate.packageName}. Check that ${crate.manifestPath} has a library target.`,
      { file: crate.manifestPath, code: "NO_ARTIFACT" },
    );
  }
  return { wasmPath, sourceFiles: await readSourceFiles(wasmPath), warnings };
}

/** The package of a `compiler-artifact` line, cheaply, without parsing other lines. */
function artifactPackageId(line: string): string | undefined {
  if (!line.startsWith('{"reason":"compiler-artifact"')) return undefined;
  try {
    return (JSON.parse(line) as { package_id?: string }).package_id;
  } catch {
    return undefined;
  }
}

async function readSourceFiles(wasmPath: string): Promise<string[]> {
  try {
    return parseDepInfo(await fs.readFile(wasmPath.replace(/\.wasm$/, ".d"), "utf8"));
  } catch {
    return []; // without dep-info we still watch Cargo.toml; a rebuild writes it again
  }
}

/** Turns a failed cargo run into the most specific error we can give. */
export function buildError(crate: CrateInfo, diagnostics: Diagnostic[], stderr: string): CrateError {
  if (isMissingTargetError(diagnostics, WASM_TARGET)) {
    return new CrateError(
      `The ${WASM_TARGET} target is not installed for the Rust toolchain that builds ${crate.manifestPath}. ` +
        `Add it with \`rustup target add ${WASM_TARGET}\` (run it in ${crate.crateDir} if a rust-toolchain file picks the toolchain), then save a file or restart Vite.`,
      { file: crate.manifestPath, code: "MISSING_TARGET" },
    );
  }
  const errors = diagnostics.filter((d) => d.level === "error" && !/^aborting due to/.test(d.message));
  if (errors.length > 0) return compileError(crate, errors);
  if (/failed to parse manifest|TOML parse error|failed to load manifest/.test(stderr)) {
    return manifestError(crate.manifestPath, stderr);
  }
  const dependency = dependencyError(crate.manifestPath, stderr);
  if (dependency) return dependency;
  return new CrateError(`cargo failed to build ${crate.manifestPath}:\n\n${cargoErrorText(stderr)}`, {
    file: crate.manifestPath,
    code: "CARGO_FAILED",
  });
}

/** Where a diagnostic points: its primary span, as an absolute file and Rollup's 0-based column. */
function diagnosticLocation(crate: CrateInfo, diagnostic: Diagnostic): Location | undefined {
  const span = primarySpan(diagnostic);
  return span
    ? { file: resolveSpanFile(crate, span.file_name), line: span.line_start, column: span.column_start - 1 }
    : undefined;
}

export function compilerWarning(crate: CrateInfo, diagnostic: Diagnostic): CompilerWarning {
  const loc = diagnosticLocation(crate, diagnostic);
  return {
    message: diagnostic.rendered!.trimEnd().replace(/^warning: /, ""),
    code: diagnostic.code?.code ?? "RUSTC_WARNING",
    id: loc?.file ?? crate.manifestPath,
    loc,
  };
}

/** A Rust compile error: rustc's own rendering, located at the first error's primary span. */
function compileError(crate: CrateInfo, errors: Diagnostic[]): CrateError {
  const first = errors[0]!;
  const loc = diagnosticLocation(crate, first);
  const count = errors.length === 1 ? "an error" : `${errors.length} errors`;
  const rendered = errors.map((d) => (d.rendered ?? d.message).trimEnd()).join("\n\n");
  return new CrateError(
    `Rust compilation of ${crate.packageName} failed with ${count}. Fix the code and save; the crate rebuilds on its own.\n\n${rendered}`,
    { file: loc?.file ?? crate.manifestPath, code: first.code?.code ?? "RUSTC_ERROR", loc },
  );
}

/** rustc prints span paths relative to the workspace root it was started in. */
function resolveSpanFile(crate: CrateInfo, fileName: string): string {
  if (fileName.startsWith("/") || /^[A-Za-z]:[\\/]/.test(fileName)) return fileName;
  return `${crate.workspaceRoot}/${fileName}`;
}
