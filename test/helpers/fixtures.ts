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
