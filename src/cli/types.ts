import fs from "node:fs/promises";
import path from "node:path";
import { createFilter } from "@rollup/pluginutils";
import { parse as parseToml } from "smol-toml";
import { configureApi, createApi } from "../api.ts";
import { resolveOptions, type ResolvedOptions } from "../options.ts";
import { readTextIfExists } from "../utils/fs.ts";
import type { Log } from "../utils/log.ts";
import { declarationsPath } from "../wasm-bindgen/dts.ts";
import { pluginOptionsFromViteConfig } from "./vite-config.ts";

export interface TypesRequest {
  /** The app's folder: where the Vite config is, and where crates are looked for. */
  root: string;
  /** Cargo.toml files or crate folders; none means every wasm-bindgen crate under `root`. */
  crates: string[];
  /** Check the declarations instead of writing them: an out-of-date or missing one is an error. */
  check: boolean;
  log: Log;
}

export interface TypesResult {
  manifestPath: string;
  /** What happened to its declarations. */
  outcome: "written" | "unchanged" | "checked" | "missing" | "failed";
  error?: Error;
}

/**
 * `vite-plugin-crate types`: the declarations of each crate, without Vite running. A
 * dev build (the quickest that gives wasm-bindgen its input; cargo's dev profile, whose
 * artifacts `vite dev` reuses), with the plugin's options from the app's Vite config, so
 * features and cargo arguments shape the exports as in the app. Declarations do not
 * depend on the profile: a dev build's equal a release build's. Fresh clones type-check with committed
 * declarations; this makes them the first time, and after a pull changed Rust code.
 */
export async function writeCrateTypes(request: TypesRequest): Promise<TypesResult[]> {
  const { root, log } = request;
  const options = (await pluginOptionsFromViteConfig(root)) ?? resolveOptions().resolved;
  const manifests = request.crates.length > 0
    ? await Promise.all(request.crates.map((crate) => manifestOf(path.resolve(root, crate))))
    : await findWasmBindgenCrates(root, options);
  if (manifests.length === 0) {
    log.warn(`no crate depending on wasm-bindgen found under ${root}; name one: vite-plugin-crate types crate/Cargo.toml`);
    return [];
  }
  const api = createApi({ ...options, dts: request.check ? "check" : "write" });
  // A dev build, as `vite dev` makes: no release profile, no wasm-opt.
  configureApi(api, {
    command: "serve",
    root,
    base: "/",
    publicDir: false,
    minify: undefined,
    modulesRunInNode: false,
    workerFormat: undefined,
    log,
  });
  const results: TypesResult[] = [];
  // One at a time: crates in one workspace share cargo's target dir anyway.
  for (const manifestPath of manifests) {
    const file = declarationsPath(manifestPath);
    const before = await readTextIfExists(file);
    if (request.check && before === undefined) {
      results.push({ manifestPath, outcome: "missing" });
      continue;
    }
    try {
      const output = await api.crates.builderFor(manifestPath).build();
      const after = await readTextIfExists(file);
      // A build only warns when it cannot write the file; writing it is this command's job.
      if (!request.check && after?.replace(/\r\n/g, "\n") !== output.declarations) {
        throw new Error(`${file} could not be written (see the warning above)`);
      }
      results.push({ manifestPath, outcome: request.check ? "checked" : before === after ? "unchanged" : "written" });
    } catch (error) {
      results.push({ manifestPath, outcome: "failed", error: error as Error });
    }
  }
  return results;
}

async function manifestOf(file: string): Promise<string> {
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat) throw new Error(`${file} does not exist: name a crate's Cargo.toml or its folder`);
  return stat.isDirectory() ? path.join(file, "Cargo.toml") : file;
}

/** Folders that never hold an app's crates, and would take long to walk. */
const SKIPPED_FOLDERS = new Set(["node_modules", "target", "dist", "build", "coverage"]);

/**
 * Every Cargo.toml under `root` of a package that depends on wasm-bindgen and that the
 * plugin's include/exclude accept: the crates an app can import.
 */
export async function findWasmBindgenCrates(root: string, options: ResolvedOptions, depth = 6): Promise<string[]> {
  const filter = createFilter(options.include, options.exclude, { resolve: root });
  const found: string[] = [];
  const walk = async (dir: string, level: number): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory() && level < depth && !entry.name.startsWith(".") && !SKIPPED_FOLDERS.has(entry.name)) {
        await walk(file, level + 1);
      } else if (entry.isFile() && entry.name === "Cargo.toml" && filter(file) && (await dependsOnWasmBindgen(file))) {
        found.push(file);
      }
    }
  };
  await walk(root, 0);
  return found.sort();
}

async function dependsOnWasmBindgen(manifestPath: string): Promise<boolean> {
  try {
    const manifest = parseToml(await fs.readFile(manifestPath, "utf8")) as {
      package?: unknown;
      dependencies?: Record<string, unknown>;
      target?: Record<string, { dependencies?: Record<string, unknown> }>;
    };
    if (!manifest.package) return false;
    const tables = [manifest.dependencies, ...Object.values(manifest.target ?? {}).map((t) => t.dependencies)];
    return tables.some((table) => table !== undefined && "wasm-bindgen" in table);
  } catch {
    return false; // not ours to report: cargo says what is wrong when it is imported
  }
}
