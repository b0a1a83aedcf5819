import fs from "node:fs";
import path from "node:path";
import MagicString from "magic-string";
import { findViteConfig } from "./vite-config.ts";

/** The crate a new project starts with: one export, the way wasm-bindgen's own guide starts. */
function cargoToml(name: string): string {
  return `[package]
name = "${name}"
version = "0.1.0"
edition = "2021"
publish = false

# Imported from JavaScript as \`import { greet } from "./crate/Cargo.toml"\` (vite-plugin-crate):
# the plugin builds the library for wasm32 and runs wasm-bindgen on it.
[dependencies]
wasm-bindgen = "0.2"
`;
}

const LIB_RS = `use wasm_bindgen::prelude::*;

/// Called from JavaScript: \`greet("Ada")\` returns "Hello, Ada!".
#[wasm_bindgen]
pub fn greet(name: &str) -> String {
    format!("Hello, {name}!")
}
`;

const NEW_VITE_CONFIG = `import { defineConfig } from "vite";
import crate from "vite-plugin-crate";

export default defineConfig({
  plugins: [crate()],
});
`;

const IMPORT_LINE = 'import crate from "vite-plugin-crate";';

/** One file init creates or changes. */
export interface PlannedFile {
  file: string;
  content: string;
  /** What the change is, for the summary. */
  what: string;
}

/** Why init refuses: it changes nothing unless every step can be done. */
export class InitError extends Error {}

/**
 * Works out every file `vite-plugin-crate init` writes, before writing any: a crate
 * (Cargo.toml, src/lib.rs) in `crateFolder`, the plugin registered in the Vite config
 * (created when the app has none), and cargo's target/ in .gitignore. Refuses to
 * overwrite anything.
 */
export function planInit(root: string, crateFolder: string): PlannedFile[] {
  const packageJson = path.join(root, "package.json");
  if (!fs.existsSync(packageJson)) {
    throw new InitError(`${root} has no package.json: run init in the folder of a Vite app (npm create vite@latest makes one).`);
  }
  const crateDir = path.resolve(root, crateFolder);
  if (fs.existsSync(crateDir)) {
    throw new InitError(
      `${crateDir} already exists; init writes nothing over existing files. Name another folder: vite-plugin-crate init --dir rust`,
    );
  }
  const name = crateName(JSON.parse(fs.readFileSync(packageJson, "utf8")).name, root);
  const plan: PlannedFile[] = [
    { file: path.join(crateDir, "Cargo.toml"), content: cargoToml(name), what: `a crate "${name}" depending on wasm-bindgen` },
    { file: path.join(crateDir, "src/lib.rs"), content: LIB_RS, what: "one export, greet" },
  ];
  const config = viteConfigChange(root);
  if (config) plan.push(config);
  const gitignore = gitignoreChange(root);
  if (gitignore) plan.push(gitignore);
  return plan;
}

/** Writes what planInit worked out. */
export function applyInit(plan: PlannedFile[]): void {
  for (const { file, content } of plan) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}

/** A cargo package name from the npm one: `@scope/My App` → `my-app`. */
export function crateName(packageName: unknown, root: string): string {
  const base = typeof packageName === "string" && packageName ? packageName.replace(/^@[^/]+\//, "") : path.basename(root);
  const name = base.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^[-_0-9]+|[-_]+$/g, "");
  return name || "app-crate";
}

/** The Vite config with the plugin registered, a new one when there is none, or nothing when it is already there. */
function viteConfigChange(root: string): PlannedFile | undefined {
  const existing = findViteConfig(root);
  if (!existing) {
    const file = path.join(root, fs.existsSync(path.join(root, "tsconfig.json")) ? "vite.config.ts" : "vite.config.js");
    return { file, content: NEW_VITE_CONFIG, what: "a Vite config with the plugin" };
  }
  const source = fs.readFileSync(existing, "utf8");
  if (/^\s*import\b[^;]*["']vite-plugin-crate["']/m.test(source)) return undefined;
  const content = registerPlugin(source);
  if (content === undefined) {
    throw new InitError(
      `cannot tell where the plugins of ${existing} are. Add the plugin by hand:\n\n  ${IMPORT_LINE}\n  // in the config:\n  plugins: [crate()],\n`,
    );
  }
  return { file: existing, content, what: "the plugin registered" };
}

/**
 * Adds the import and `crate()` to a Vite config's source: first in an existing
 * `plugins: [` array, else as a new `plugins` key of `defineConfig({` or
 * `export default {`. Undefined when the config is shaped otherwise (a function, a
 * CommonJS file): then the user is shown the two lines instead.
 */
export function registerPlugin(source: string): string | undefined {
  if (/\brequire\s*\(|module\.exports/.test(source)) return undefined;
  const code = new MagicString(source);
  // One `plugins: [`, on a line that is not a comment: with more (build.rollupOptions,
  // optimizeDeps, a commented-out line) a regex cannot tell which is Vite's.
  const pluginKeys = [...source.matchAll(/\bplugins\s*:\s*\[/g)];
  if (pluginKeys.length > 1) return undefined;
  const plugins = pluginKeys[0];
  if (plugins && /^\s*(\/\/|\*|\/\*)/.test(source.slice(source.lastIndexOf("\n", plugins.index) + 1, plugins.index))) {
    return undefined;
  }
  const config = /(?:defineConfig\s*\(\s*|export\s+default\s+)\{/.exec(source);
  if (plugins) {
    const after = plugins.index + plugins[0].length;
    const empty = /^\s*\]/.test(source.slice(after));
    code.appendLeft(after, empty ? "crate()" : "crate(), ");
  } else if (config) {
    code.appendLeft(config.index + config[0].length, "\n  plugins: [crate()],");
  } else {
    return undefined;
  }
  // After the last import (a multi-line one included), else after leading `///` directives.
  const imports = [...source.matchAll(/^import\b[^;]*?(?:from\s*)?["'][^"']+["'];?[ \t]*$/gm)];
  const last = imports.at(-1);
  if (last) {
    code.appendLeft(last.index + last[0].length, `\n${IMPORT_LINE}`);
  } else {
    const directives = /^(?:\/\/\/[^\n]*\n)*/.exec(source)![0].length;
    code.appendLeft(directives, `${IMPORT_LINE}\n`);
  }
  return code.toString();
}

/** cargo's target/ in .gitignore (gigabytes of build output), unless already ignored. */
function gitignoreChange(root: string): PlannedFile | undefined {
  const file = path.join(root, ".gitignore");
  const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  if (/^\/?(\*\*\/)?target\/?$/m.test(current)) return undefined;
  const separator = current === "" || current.endsWith("\n") ? "" : "\n";
  return {
    file,
    content: `${current}${separator}\n# Rust build output (cargo)\ntarget/\n`,
    what: "cargo's target/ ignored",
  };
}
