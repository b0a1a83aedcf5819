import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const FIXTURES = path.join(REPO_ROOT, "test/fixtures");
/** Scratch space inside the repo (git-ignored), so copies find node_modules. */
export const TMP = path.join(REPO_ROOT, "test/.tmp");

/**
 * Copies a folder (without cargo's target/ or build output) into a fresh scratch
 * folder, for tests that edit or break files.
 */
export function copyToTemp(source: string, name = path.basename(source)): string {
  fs.mkdirSync(TMP, { recursive: true });
  const dir = fs.mkdtempSync(path.join(TMP, `${name}-`));
  fs.cpSync(source, dir, {
    recursive: true,
    filter: (src) => !/[\\/](target|dist|node_modules)$/.test(src) && !src.endsWith("Cargo.toml.d.ts"),
  });
  return dir;
}

/** Rewrites a file through a replacement, failing loudly when the text is not there. */
export function editFile(file: string, from: string | RegExp, to: string): void {
  const before = fs.readFileSync(file, "utf8");
  const after = before.replace(from, to);
  if (after === before) throw new Error(`editFile: ${String(from)} not found in ${file}`);
  fs.writeFileSync(file, after);
}

/** A standalone copy of a fixture crate (outside the fixtures workspace), renamed. */
export function standaloneCrate(fixture: string, packageName: string): string {
  const dir = copyToTemp(path.join(FIXTURES, fixture), packageName);
  editFile(path.join(dir, "Cargo.toml"), /name = "[^"]+"/, `name = "${packageName}"`);
  // The fixtures' lock file pins the same wasm-bindgen; cargo prunes what it does not need.
  fs.copyFileSync(path.join(FIXTURES, "Cargo.lock"), path.join(dir, "Cargo.lock"));
  return dir;
}

/** Environment that shares compiled dependencies with the fixtures, so a copied crate compiles only itself. */
export const SHARED_TARGET = { CARGO_TARGET_DIR: path.join(FIXTURES, "target") };
