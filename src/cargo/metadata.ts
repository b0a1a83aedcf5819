import { createHash } from "node:crypto";
import path from "node:path";
import { CrateError } from "../utils/error.ts";
import { cargoErrorText, runCargo } from "./command.ts";

/** What the pipeline needs to know about one crate, read from `cargo metadata`. */
export interface CrateInfo {
  /** Absolute path of the crate's Cargo.toml. */
  manifestPath: string;
  /** The crate's folder. */
  crateDir: string;
  /** Package name, as in `[package] name`. */
  packageName: string;
  /** Name of the lib target (what cargo calls the .wasm file), e.g. `my_crate`. */
  libName: string;
  /**
   * The crate's identity in everything the plugin names: dev URLs, glue module ids,
   * output folders, cache entries, the size report. The lib name plus a hash of the
   * manifest path, so two crates with the same `[lib] name` (two workspaces that each
   * have a `core`) never collide: `core-1a2b3c4d`.
   */
  crateId: string;
  /** Cargo's target directory (honours CARGO_TARGET_DIR and `.cargo/config.toml`). */
  targetDir: string;
  /** The workspace root: where Cargo.lock lives. */
  workspaceRoot: string;
  /**
   * The `wasm-bindgen` crate version the lock file resolved for this crate; undefined
   * for a raw crate (no wasm-bindgen: its `extern "C"` exports are the module's).
   */
  wasmBindgenVersion: string | undefined;
  /**
   * Built with threads: the crate depends on wasm-bindgen-rayon (or the `threads`
   * option says so). See cargo/threads.ts.
   */
  threads: boolean;
  /** How many packages a build of this crate compiles (itself included): progress's total. */
  packageCount: number;
}

interface MetadataTarget {
  name: string;
  kind: string[];
}
interface MetadataPackage {
  id: string;
  name: string;
  version: string;
  manifest_path: string;
  targets: MetadataTarget[];
}
interface MetadataNode {
  id: string;
  deps: { pkg: string; dep_kinds: { kind: string | null }[] }[];
}
export interface CargoMetadata {
  packages: MetadataPackage[];
  resolve: { nodes: MetadataNode[] } | null;
  target_directory: string;
  workspace_root: string;
}

/**
 * Picks the facts about the crate at `manifestPath` out of `cargo metadata` output.
 * Pure: unit-tested on recorded metadata.
 */
export function readCrateInfo(metadata: CargoMetadata, manifestPath: string): CrateInfo {
  const pkg = metadata.packages.find((p) => path.resolve(p.manifest_path) === path.resolve(manifestPath));
  if (!pkg) {
    throw new CrateError(
      `${manifestPath} is a workspace manifest with no [package]. Import the Cargo.toml of the member crate you want to use instead.`,
      { file: manifestPath, code: "NOT_A_PACKAGE" },
    );
  }
  const lib = pkg.targets.find((t) => t.kind.some((k) => k === "lib" || k === "cdylib" || k === "rlib"));
  if (!lib) {
    throw new CrateError(
      `${manifestPath} has no library target. Add a src/lib.rs (or a [lib] section) with the #[wasm_bindgen] exports to import.`,
      { file: manifestPath, code: "NO_LIB_TARGET" },
    );
  }
  const wasmBindgenVersion = findDependencyVersion(metadata, pkg.id, "wasm-bindgen");
  const libName = lib.name.replaceAll("-", "_");
  return {
    manifestPath: path.resolve(manifestPath),
    crateDir: path.dirname(path.resolve(manifestPath)),
    packageName: pkg.name,
    libName,
    crateId: crateId(libName, path.resolve(manifestPath)),
    targetDir: metadata.target_directory,
    workspaceRoot: metadata.workspace_root,
    wasmBindgenVersion,
    threads: findDependencyVersion(metadata, pkg.id, "wasm-bindgen-rayon") !== undefined,
    packageCount: countPackages(metadata, pkg.id),
  };
}

/** `<libName>-<first 8 hex digits of sha256(manifest path)>`: see CrateInfo.crateId. */
export function crateId(libName: string, manifestPath: string): string {
  return `${libName}-${createHash("sha256").update(manifestPath).digest("hex").slice(0, 8)}`;
}

/** Packages reachable from the crate through normal and build dependencies, itself included. */
function countPackages(metadata: CargoMetadata, rootId: string): number {
  const nodes = new Map((metadata.resolve?.nodes ?? []).map((n) => [n.id, n]));
  const seen = new Set([rootId]);
  const queue = [rootId];
  while (queue.length > 0) {
    for (const dep of nodes.get(queue.shift()!)?.deps ?? []) {
      if (seen.has(dep.pkg) || !dep.dep_kinds.some((k) => k.kind !== "dev")) continue;
      seen.add(dep.pkg);
      queue.push(dep.pkg);
    }
  }
  return seen.size;
}

/**
 * The version of the package `name` in the crate's normal (non-dev, non-build)
 * dependency graph, found breadth-first so a direct dependency wins over one pulled
 * in by another crate.
 */
function findDependencyVersion(metadata: CargoMetadata, rootId: string, name: string): string | undefined {
  const packages = new Map(metadata.packages.map((p) => [p.id, p]));
  const nodes = new Map((metadata.resolve?.nodes ?? []).map((n) => [n.id, n]));
  const seen = new Set([rootId]);
  const queue = [rootId];
  while (queue.length > 0) {
    const node = nodes.get(queue.shift()!);
    for (const dep of node?.deps ?? []) {
      if (seen.has(dep.pkg) || !dep.dep_kinds.some((k) => k.kind === null)) continue;
      const pkg = packages.get(dep.pkg);
      if (pkg?.name === name) return pkg.version;
      seen.add(dep.pkg);
      queue.push(dep.pkg);
    }
  }
  return undefined;
}

/**
 * Turns cargo's complaint about an unreadable manifest into a located error. Cargo
 * renders TOML errors as `--> Cargo.toml:3:11` (older releases: "TOML parse error at
 * line 3, column 11"), relative to the folder it ran in: the crate's.
 */
export function manifestError(manifestPath: string, stderr: string): CrateError {
  const details = stderr.trim().replace(/^error: /, "");
  const arrow = /-->\s+(.+?):(\d+):(\d+)/.exec(stderr);
  const legacy = /TOML parse error at line (\d+), column (\d+)/.exec(stderr);
  const named = /manifest at `([^`]+)`/.exec(stderr)?.[1];
  // The broken manifest may be a workspace root or a path dependency's, not the imported one.
  const file = arrow ? path.resolve(path.dirname(manifestPath), arrow[1]!) : (named ?? manifestPath);
  const [line, column] = arrow ? [arrow[2], arrow[3]] : legacy ? [legacy[1], legacy[2]] : [];
  return new CrateError(
    `cargo could not read ${file}. Fix the manifest and save it; the crate rebuilds on its own.\n\n${details}`,
    {
      file,
      code: "CARGO_MANIFEST",
      loc: line ? { file, line: Number(line), column: Number(column) - 1 } : undefined,
    },
  );
}

/**
 * cargo could not get a dependency: it is not in the registry, or cargo is offline
 * and has not downloaded it. The manifest itself is fine, so "fix the manifest" would
 * mislead; undefined for any other failure.
 */
export function dependencyError(manifestPath: string, stderr: string): CrateError | undefined {
  if (!/no matching package named|failed to select a version|failed to download|but --offline was specified/.test(stderr)) {
    return undefined;
  }
  const offline = /--offline|offline mode/.test(stderr);
  const hint = offline
    ? "cargo is offline (--offline, CARGO_NET_OFFLINE or net.offline in .cargo/config.toml) and has not downloaded this dependency. " +
      `Run \`cargo fetch --manifest-path ${manifestPath}\` once with network access, or turn offline mode off.`
    : "Check the dependency's name and version, and that the registry is reachable.";
  return new CrateError(`cargo could not get the dependencies of ${manifestPath}. ${hint}\n\n${cargoErrorText(stderr)}`, {
    file: manifestPath,
    code: offline ? "CARGO_OFFLINE" : "CARGO_DEPENDENCY",
  });
}

/** Runs `cargo metadata` for the crate and reads what the pipeline needs from it. */
export async function loadCrateInfo(
  manifestPath: string,
  options: { signal?: AbortSignal; features?: string[]; noDefaultFeatures?: boolean } = {},
): Promise<CrateInfo> {
  // With the build's features: an optional wasm-bindgen or wasm-bindgen-rayon behind a
  // feature the plugin turns on must be in the resolved graph.
  const features = [
    ...(options.noDefaultFeatures ? ["--no-default-features"] : []),
    ...(options.features?.length ? ["--features", options.features.join(",")] : []),
  ];
  const result = await runCargo(
    manifestPath,
    ["metadata", "--format-version", "1", ...features, "--manifest-path", manifestPath],
    { cwd: path.dirname(manifestPath), signal: options.signal },
  );
  if (result.exitCode !== 0) throw dependencyError(manifestPath, result.stderr) ?? manifestError(manifestPath, result.stderr);
  return readCrateInfo(JSON.parse(result.stdout) as CargoMetadata, manifestPath);
}
