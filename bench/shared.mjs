// What several benchmarks need alike: the median, and vite-plugin-crate compiled from
// its current source (so a benchmark measures src/, not whatever dist/ holds).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The median; the mean of the middle two for an even count. @param {number[]} values */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? /** @type {number} */ (sorted[mid]) : (/** @type {number} */ (sorted[mid - 1]) + /** @type {number} */ (sorted[mid])) / 2;
}

/**
 * Compiles vite-plugin-crate's src/ (the work tree's, or with `rev` that commit's,
 * taken with `git archive`) with tsc into `<scratch>/plugin`, beside a node_modules
 * link to the root's, so its dependencies (binaryen, execa, …) resolve as they do from
 * dist/. Returns the compiled entry (`<scratch>/plugin/index.js`).
 * @param {string} scratch @param {string} [rev]
 */
export function compilePlugin(scratch, rev) {
  const ourDist = path.join(scratch, "plugin");
  fs.symlinkSync(path.join(root, "node_modules"), path.join(scratch, "node_modules"), "dir");
  let sourceRoot = root;
  if (rev) {
    sourceRoot = path.join(scratch, "source");
    fs.mkdirSync(sourceRoot);
    const files = ["src", "package.json", "tsconfig.json", "tsconfig.build.json"];
    const archive = spawnSync("git", ["archive", "--format=tar", rev, ...files], { cwd: root, maxBuffer: 256 * 1024 * 1024 });
    if (archive.status !== 0) throw new Error(`git archive ${rev} failed: ${archive.stderr}`);
    const untar = spawnSync("tar", ["-x", "-C", sourceRoot], { input: archive.stdout });
    if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);
  }
  // ESM like dist/ (whose package.json says "type": "module").
  fs.mkdirSync(ourDist);
  fs.writeFileSync(path.join(ourDist, "package.json"), `{ "type": "module" }\n`);
  const tsc = path.join(root, "node_modules/typescript/bin/tsc");
  const args = [tsc, "-p", path.join(sourceRoot, "tsconfig.build.json"), "--outDir", ourDist, "--declaration", "false"];
  const result = spawnSync(process.execPath, args, { cwd: sourceRoot, encoding: "utf8" });
  const entry = path.join(ourDist, "index.js");
  if (!fs.existsSync(entry)) throw new Error(`tsc did not compile src/ (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  // Type errors still emit JS (source being edited may have some): say so, measure anyway.
  if (result.status !== 0) process.stderr.write(`note: tsc reported type errors in src/; measuring the emitted JS anyway\n`);
  return entry;
}
