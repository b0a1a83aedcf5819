// Compares vite-plugin-crate with its closest peer, @wasm-tool/rollup-plugin-rust, on
// the same crates under plain Rollup: cold build time (fresh cargo target dir, and a
// fresh project dir, so also no node_modules/.cache/vite-plugin-crate), warm build time
// (the same build again, nothing changed) and output size (wasm and JS, raw, gzip -9,
// brotli). Prints medians in markdown tables, with every run.
//
//   npm install --prefix bench          # once: the peer is a dev dependency of bench/ only
//   node bench/compare-peer.mjs [runs=3] [--crates=playground,markdown] [--scratch=DIR] [--keep]
//                               [--plugin-rev=REV]
//
// Crates: playground/crate (small) and bench/crates/markdown (pulldown-cmark's HTML
// renderer, a larger real crate). Each build is `rollup -c` in a child process, with its
// working directory (vite-plugin-crate's root under Rollup) in a project dir made for
// that run: <scratch>/run-<i>/<crate>/<plugin>/{crate/,main.js,rollup.config.mjs}. The
// entry is `export * from "./crate/Cargo.toml"`, so every export and its glue is kept.
// Order within a run: A cold, B cold, A warm, B warm, per crate; A and B swap every run.
// --scratch puts the project dirs there instead of a new dir in os.tmpdir(); --keep
// leaves them (with cargo's target dirs: large) instead of deleting them.
//
// Both plugins use the same wasm-bindgen CLI: $WASM_BINDGEN_BIN, default the 0.2.130
// that vite-plugin-crate installs into its per-user cache (run `npm test` once).
//
// vite-plugin-crate: built from src/ with tsc into the scratch dir (so the current
// source is measured, and dist/ is left alone; --plugin-rev=REV measures src/ at that
// git revision instead, e.g. HEAD while src/ is mid-edit), used with its defaults plus
// `wasmBindgen: { path: <that CLI>, install: false }`. Rollup 4.67.4 from the root.
//
// @wasm-tool/rollup-plugin-rust 3.1.6 (bench/package.json), `rust()` with no options,
// Rollup 4.67.4 from bench/node_modules. It has no option for either tool, only env
// vars (its src/index.js and src/wasm-opt.js):
// - WASM_BINDGEN_BIN: used as is. Without it the peer downloads the CLI from GitHub
//   releases into ~/.cache/rollup-plugin-rust, which cannot work offline.
// - WASM_OPT_BIN: the wasm-opt it spawns, default `wasm-opt` on PATH, with its default
//   extraArgs.wasmOpt `-O --enable-threads --enable-bulk-memory --enable-bulk-memory-opt`
//   (-O is -Os). Its README installs the `binaryen` npm package beside it (a peer
//   dependency), whose bin/wasm-opt (binaryen 132, the version vite-plugin-crate uses
//   too) is what `wasm-opt` is in an npm script; we set WASM_OPT_BIN to that one,
//   bench/node_modules/.bin/wasm-opt. Override with $PEER_WASM_OPT. Debian's
//   /usr/bin/wasm-opt (binaryen 108) does not know --enable-bulk-memory-opt, and the
//   peer then only warns "wasm-opt failed" and ships unoptimized wasm: the script
//   reports such a warning in the tables.
// Its cargo settings are its defaults too: release, lto=true, codegen-units=1,
// panic=abort, strip=true (the nightly-only extras do not apply to stable rustc).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import zlib from "node:zlib";
import { compilePlugin, median } from "./shared.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const benchDir = path.join(root, "bench");

const flags = process.argv.slice(2).filter((a) => a.startsWith("--"));
const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
/** @param {string} name @returns {string | undefined} */
const flag = (name) => {
  const hit = flags.find((f) => f === `--${name}` || f.startsWith(`--${name}=`));
  return hit === undefined ? undefined : hit.slice(name.length + 3);
};
const runs = Number(positional[0] ?? 3);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a positive integer, got ${positional[0]}`);
const keep = flag("keep") !== undefined;

/** @typedef {{ name: string, dir: string, smoke: string }} Crate */
/** @type {Crate[]} */
const allCrates = [
  { name: "playground", dir: path.join(root, "playground/crate"), smoke: `m.greet("Ada")` },
  { name: "markdown", dir: path.join(benchDir, "crates/markdown"), smoke: `m.render("# Hi\\n\\n*a* | b\\n--|--\\n1 | 2")` },
];
const wanted = (flag("crates") ?? allCrates.map((c) => c.name).join(",")).split(",");
const crates = allCrates.filter((c) => wanted.includes(c.name));
if (crates.length !== wanted.length) throw new Error(`--crates: known crates are ${allCrates.map((c) => c.name).join(", ")}`);

// --- Prerequisites -------------------------------------------------------------------

const benchRequire = createRequire(path.join(benchDir, "package.json"));
/** @param {string} specifier @returns {string | undefined} */
const resolveFromBench = (specifier) => {
  try {
    return benchRequire.resolve(specifier);
  } catch {
    return undefined;
  }
};
const peerEntry = resolveFromBench("@wasm-tool/rollup-plugin-rust");
const peerRollup = path.join(benchDir, "node_modules/rollup/dist/bin/rollup");
const peerWasmOptDefault = path.join(benchDir, "node_modules/.bin/wasm-opt");
if (!peerEntry || !fs.existsSync(peerRollup) || !fs.existsSync(peerWasmOptDefault)) {
  console.error("The peer plugin is not installed. Run first:\n\n  npm install --prefix bench\n");
  process.exit(1);
}
const peerVersion = JSON.parse(fs.readFileSync(path.join(path.dirname(peerEntry), "../package.json"), "utf8")).version;
const peerWasmOpt = process.env.PEER_WASM_OPT ?? peerWasmOptDefault;

const cacheBase =
  process.env.VITE_PLUGIN_CRATE_CACHE_DIR ??
  path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "vite-plugin-crate/wasm-bindgen-cli");
const wasmBindgen = process.env.WASM_BINDGEN_BIN ?? path.join(cacheBase, "0.2.130/bin/wasm-bindgen");
const wasmBindgenVersion = spawnSync(wasmBindgen, ["--version"], { encoding: "utf8" }).stdout?.trim();
if (!wasmBindgenVersion) {
  console.error(`No wasm-bindgen CLI at ${wasmBindgen}. Run \`npm test\` once (it installs 0.2.130), or set WASM_BINDGEN_BIN.`);
  process.exit(1);
}
const ourRollup = path.join(root, "node_modules/rollup/dist/bin/rollup");
/** @param {string} rollupBin */
const rollupVersion = (rollupBin) =>
  spawnSync(process.execPath, [rollupBin, "--version"], { encoding: "utf8" }).stdout.trim();

const scratchFlag = flag("scratch");
if (scratchFlag) fs.mkdirSync(scratchFlag, { recursive: true });
const scratch = scratchFlag
  ? fs.mkdtempSync(path.join(path.resolve(scratchFlag), "compare-peer-"))
  : fs.mkdtempSync(path.join(os.tmpdir(), "vite-plugin-crate-compare-"));

// vite-plugin-crate from src/ (the work tree's, or with --plugin-rev=REV that commit's).
const ourEntry = compilePlugin(scratch, flag("plugin-rev"));

// --- One build -------------------------------------------------------------------------

/** @typedef {"ours" | "peer"} Tool */
/** @type {Record<Tool, string>} */
const label = { ours: "vite-plugin-crate", peer: `@wasm-tool/rollup-plugin-rust ${peerVersion}` };

/**
 * A fresh project dir for one plugin and crate: a copy of the crate (no target/), the
 * entry, and a rollup config.
 * @param {Tool} tool @param {Crate} crate @param {string} dir
 */
function makeProject(tool, crate, dir) {
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(crate.dir, path.join(dir, "crate"), {
    recursive: true,
    filter: (src) => !["target", "Cargo.toml.d.ts", "node_modules"].includes(path.basename(src)),
  });
  fs.writeFileSync(path.join(dir, "main.js"), `export * from "./crate/Cargo.toml";\n`);
  const plugin =
    tool === "ours"
      ? { url: pathToFileURL(ourEntry).href, options: { wasmBindgen: { path: wasmBindgen, install: false } } }
      : { url: pathToFileURL(/** @type {string} */ (peerEntry)).href, options: {} };
  fs.writeFileSync(
    path.join(dir, "rollup.config.mjs"),
    `import plugin from ${JSON.stringify(plugin.url)};\n\n` +
      `export default {\n  input: "main.js",\n  output: { dir: "dist", format: "es" },\n` +
      `  plugins: [plugin(${JSON.stringify(plugin.options)})],\n};\n`,
  );
}

/** @typedef {{ seconds: number, warnings: string[] }} Build */

/**
 * `rollup -c` in the project dir, in a child process; wall-clock of the whole process.
 * @param {Tool} tool @param {string} dir @returns {Build}
 */
function build(tool, dir) {
  fs.rmSync(path.join(dir, "dist"), { recursive: true, force: true });
  const env = { ...process.env };
  // Each crate copy builds into its own target/ (fresh for every cold build).
  delete env.CARGO_TARGET_DIR;
  delete env.CARGO_BUILD_TARGET_DIR;
  if (tool === "peer") {
    env.WASM_BINDGEN_BIN = wasmBindgen;
    env.WASM_OPT_BIN = peerWasmOpt;
  }
  const started = performance.now();
  const result = spawnSync(process.execPath, [tool === "ours" ? ourRollup : peerRollup, "-c", "rollup.config.mjs"], {
    cwd: dir,
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = (performance.now() - started) / 1000;
  const output = `${result.stdout}${result.stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
  if (result.status !== 0) throw new Error(`${label[tool]}: rollup failed in ${dir} (exit ${result.status}):\n${output}`);
  // Rollup prints plugin warnings as "(!) [plugin name] message" (the peer reports a
  // failed wasm-opt only that way); cargo, rustc and wasm-bindgen print "warning: …".
  const warnings = output.split("\n").filter((line) => /^(\(!\)|warning: )/.test(line) || /wasm-opt failed/.test(line));
  return { seconds, warnings };
}

/** @typedef {{ raw: number, gzip: number, brotli: number }} Size */
/** @typedef {{ wasm: Size, js: Size, files: string[] }} Output */

/** @param {Buffer} bytes @returns {Size} */
const sizeOf = (bytes) => ({
  raw: bytes.length,
  gzip: zlib.gzipSync(bytes, { level: 9 }).length,
  brotli: zlib.brotliCompressSync(bytes).length,
});

/** The emitted wasm and JS (entry + glue) of a project's last build. @param {string} dir @returns {Output} */
function measure(dir) {
  const distDir = path.join(dir, "dist");
  const files = /** @type {string[]} */ (fs.readdirSync(distDir, { recursive: true, encoding: "utf8" }))
    .filter((f) => fs.statSync(path.join(distDir, f)).isFile())
    .sort();
  /** @param {string} ext */
  const concat = (ext) => Buffer.concat(files.filter((f) => f.endsWith(ext)).map((f) => fs.readFileSync(path.join(distDir, f))));
  return { wasm: sizeOf(concat(".wasm")), js: sizeOf(concat(".js")), files };
}

/**
 * Loads the built entry in Node (file: fetches answered from disk) and calls the crate,
 * so a build that "succeeded" with a broken module does not count.
 * @param {string} dir @param {Crate} crate @returns {string}
 */
function smokeTest(dir, crate) {
  const entry = pathToFileURL(path.join(dir, "dist/main.js")).href;
  const script = `
    import fs from "node:fs";
    const realFetch = globalThis.fetch;
    globalThis.fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.protocol !== "file:") return realFetch(input, init);
      return new Response(fs.readFileSync(url), { headers: { "content-type": "application/wasm" } });
    };
    const m = await import(${JSON.stringify(entry)});
    console.log(JSON.stringify(${crate.smoke}));`;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: dir, encoding: "utf8" });
  if (result.status !== 0) return `FAILED: ${result.stderr.trim().split("\n").slice(0, 5).join(" / ")}`;
  return result.stdout.trim();
}

// --- The runs --------------------------------------------------------------------------

/** @typedef {{ cold: number[], warm: number[], outputs: Output[], warnings: Set<string>, smoke: string }} Results */
/** @type {Map<string, Record<Tool, Results>>} */
const results = new Map();
for (const crate of crates) {
  /** @returns {Results} */
  const empty = () => ({ cold: [], warm: [], outputs: [], warnings: new Set(), smoke: "" });
  results.set(crate.name, { ours: empty(), peer: empty() });
}

process.stderr.write(`scratch: ${scratch}\n`);
for (let i = 0; i < runs; i++) {
  /** @type {Tool[]} */
  const order = i % 2 === 0 ? ["ours", "peer"] : ["peer", "ours"];
  for (const crate of crates) {
    const byTool = /** @type {Record<Tool, Results>} */ (results.get(crate.name));
    /** @param {Tool} tool */
    const projectDir = (tool) => path.join(scratch, `run-${i + 1}`, crate.name, tool);
    for (const tool of order) {
      makeProject(tool, crate, projectDir(tool));
      // A fresh dir has none; removed anyway so a cold build can never see a cache.
      fs.rmSync(path.join(projectDir(tool), "node_modules/.cache/vite-plugin-crate"), { recursive: true, force: true });
    }
    for (const phase of /** @type {const} */ (["cold", "warm"])) {
      for (const tool of order) {
        const { seconds, warnings } = build(tool, projectDir(tool));
        byTool[tool][phase].push(seconds);
        for (const w of warnings) byTool[tool].warnings.add(w);
        process.stderr.write(`run ${i + 1}/${runs} ${crate.name}: ${tool} ${phase} ${seconds.toFixed(2)} s\n`);
      }
    }
    for (const tool of order) {
      byTool[tool].outputs.push(measure(projectDir(tool)));
      if (i === runs - 1) byTool[tool].smoke = smokeTest(projectDir(tool), crate);
      if (!keep) fs.rmSync(projectDir(tool), { recursive: true, force: true });
    }
  }
}

// --- Report ----------------------------------------------------------------------------

const secs = (/** @type {number[]} */ values) => values.map((t) => t.toFixed(2)).join(", ");
const kib = (/** @type {number} */ n) => `${(n / 1024).toFixed(1)} KiB`;
const bytes = (/** @type {number} */ n) => `${n.toLocaleString("en-US")} B`;

console.log(`\n## vite-plugin-crate vs ${label.peer} (plain Rollup)\n`);
console.log(`${runs} runs each, ${os.cpus().length} cores, Node ${process.version}.`);
console.log(`vite-plugin-crate: Rollup ${rollupVersion(ourRollup)}, defaults (wasm-opt -O1: a native one on PATH or installed by the plugin, else binaryen.js), same wasm-bindgen.`);
console.log(`${label.peer}: Rollup ${rollupVersion(peerRollup)}, defaults; WASM_BINDGEN_BIN=${wasmBindgen} (${wasmBindgenVersion}), WASM_OPT_BIN=${peerWasmOpt}.`);

for (const crate of crates) {
  const byTool = /** @type {Record<Tool, Results>} */ (results.get(crate.name));
  const { ours, peer } = byTool;
  console.log(`\n### ${crate.name} (${path.relative(root, crate.dir)})\n`);
  console.log(`| build | vite-plugin-crate (median) | peer (median) | vite-plugin-crate runs | peer runs |`);
  console.log(`| --- | --- | --- | --- | --- |`);
  console.log(`| cold (fresh target + cache) | ${median(ours.cold).toFixed(2)} s | ${median(peer.cold).toFixed(2)} s | ${secs(ours.cold)} | ${secs(peer.cold)} |`);
  console.log(`| warm (no change) | ${median(ours.warm).toFixed(2)} s | ${median(peer.warm).toFixed(2)} s | ${secs(ours.warm)} | ${secs(peer.warm)} |`);

  console.log(`\n| output | vite-plugin-crate | peer | peer / ours |`);
  console.log(`| --- | --- | --- | --- |`);
  const last = { ours: /** @type {Output} */ (ours.outputs.at(-1)), peer: /** @type {Output} */ (peer.outputs.at(-1)) };
  for (const kind of /** @type {const} */ (["wasm", "js"])) {
    for (const enc of /** @type {const} */ (["raw", "gzip", "brotli"])) {
      const a = last.ours[kind][enc];
      const b = last.peer[kind][enc];
      const name = `${kind === "wasm" ? "wasm" : "JS (entry + glue)"} ${enc === "gzip" ? "gzip -9" : enc}`;
      console.log(`| ${name} | ${bytes(a)} (${kib(a)}) | ${bytes(b)} (${kib(b)}) | ${(b / a).toFixed(2)}x |`);
    }
  }
  for (const tool of /** @type {const} */ (["ours", "peer"])) {
    const r = byTool[tool];
    const sizes = new Set(r.outputs.map((o) => `${o.wasm.raw}/${o.js.raw}`));
    if (sizes.size > 1) console.log(`\nnote: ${label[tool]} output size differed between runs (wasm/JS raw): ${[...sizes].join(", ")}`);
    console.log(`\n${label[tool]}: files ${r.outputs.at(-1)?.files.join(", ")}; smoke test ${crate.smoke} → ${r.smoke}`);
    for (const w of r.warnings) console.log(`warning (${label[tool]}): ${w}`);
    if ([...r.warnings].some((w) => /wasm-opt failed/.test(w))) {
      console.log(`**${label[tool]}: wasm-opt failed, so its wasm above is NOT optimized.**`);
    }
  }
}

if (keep) console.log(`\nproject dirs kept in ${scratch}`);
else fs.rmSync(scratch, { recursive: true, force: true });
