import fs from "node:fs";
import path from "node:path";
import { execa } from "execa";
import type { Rollup } from "vite";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { PluginApi } from "../../src/api.ts";
import type { Options } from "../../src/index.ts";
import { BASIC_MANIFEST, buildBasicApp } from "../helpers/basic-app.ts";
import { withEnv } from "../helpers/env.ts";
import { TMP } from "../helpers/fixtures.ts";
import { tempOutDir } from "../helpers/servers.ts";
import { OLD_NATIVE_WASM_OPT } from "../helpers/toolchain.ts";
import { binaryenPackageCli, installToolShims, realWasmBindgen } from "../helpers/tool-shims.ts";
import { validateWasm } from "../../src/validate/validate-wasm.ts";

// Production output of `vite build`: build profiles, native and package wasm-opt, the
// export check, the cache, determinism, the size report and the _headers file. Runs on
// the `basic` fixture with its own target dir, so profile switches do not make the other
// build tests recompile.
const MANIFEST = BASIC_MANIFEST;
const TARGET_DIR = path.join(TMP, "production-target");

let shims: ReturnType<typeof installToolShims>;
let savedPath: string | undefined;

beforeAll(async () => {
  // Logging wrappers count the wasm-bindgen and wasm-opt runs. The wasm-opt on PATH is
  // binaryen 132's CLI, so these builds take the plugin's native path.
  shims = installToolShims(tempOutDir("production-shims"), await realWasmBindgen(), binaryenPackageCli());
  savedPath = process.env.PATH;
  process.env.PATH = `${shims.binDir}${path.delimiter}${process.env.PATH}`;
});

afterAll(() => {
  process.env.PATH = savedPath;
});

interface Built {
  root: string;
  /** Every file of dist/, by path relative to it. */
  files: Map<string, Buffer>;
  wasm: Buffer;
  log: string;
  api: PluginApi;
}

/** A one-file app importing the basic crate, built with `vite build` into root/dist. */
async function buildApp(options: Options = {}, root = tempOutDir("production-app"), env: Record<string, string> = {}): Promise<Built> {
  // Options read env vars (VITE_PLUGIN_CRATE_TOP_FUNCTIONS) as a config file would.
  // The shim, by path: the plugin remembers the CLI it found per process.
  const { log, api } = await withEnv({ CARGO_TARGET_DIR: TARGET_DIR, ...env }, () =>
    buildBasicApp(root, { ...options, wasmBindgen: { path: path.join(shims.binDir, "wasm-bindgen") } }),
  );
  const dist = path.join(root, "dist");
  const files = new Map<string, Buffer>();
  for (const file of fs.readdirSync(dist, { recursive: true, encoding: "utf8" })) {
    const full = path.join(dist, file);
    if (fs.statSync(full).isFile()) files.set(file, fs.readFileSync(full));
  }
  const wasmFile = [...files.keys()].find((file) => file.endsWith(".wasm"));
  if (!wasmFile) throw new Error(`no wasm in ${dist}`);
  return { root, files, wasm: files.get(wasmFile)!, log, api };
}

async function buildError(options: Options, env: Record<string, string> = {}): Promise<Rollup.RollupError> {
  try {
    await buildApp(options, undefined, env);
  } catch (error) {
    return error as Rollup.RollupError;
  }
  throw new Error("the build succeeded but should have failed");
}

const cargoRuns = () => shims.runs("cargo").filter((run) => run.args.startsWith("rustc "));
/** Optimization runs of the wasm-opt on PATH (not its --version and --help). */
const wasmOptRuns = () => shims.runs("wasm-opt").filter((run) => / -O/.test(run.args));

describe("deterministic", () => {
  test("two clean builds (fresh target dir and cache) produce byte-identical assets", async () => {
    fs.rmSync(TARGET_DIR, { recursive: true, force: true });
    const first = await buildApp();
    fs.rmSync(TARGET_DIR, { recursive: true, force: true });
    const second = await buildApp();
    expect(second.api.crates.stats.wasmBindgenRuns).toBe(1); // a fresh cache: nothing was reused
    expect([...second.files.keys()].sort()).toEqual([...first.files.keys()].sort());
    for (const [file, bytes] of first.files) expect(second.files.get(file)?.equals(bytes), file).toBe(true);
    // Production is stripped: no DWARF, no pointer to any, no name section (dev builds keep the names and point at their DWARF).
    const shipped = new WebAssembly.Module(new Uint8Array(first.wasm));
    for (const section of [".debug_info", ".debug_line", "external_debug_info", "name"]) {
      expect(WebAssembly.Module.customSections(shipped, section), section).toHaveLength(0);
    }
  }, 240_000);
});

describe("build profiles", () => {
  test('"size" is smaller than cargo\'s own release profile and than "speed"', async () => {
    const size = await buildApp({ profile: "size" });
    const none = await buildApp({ profile: "none" });
    const speed = await buildApp({ profile: "speed" });
    expect(size.wasm.length).toBeLessThan(none.wasm.length);
    expect(size.wasm.length).toBeLessThan(speed.wasm.length);
    // The profile reaches cargo as --config overrides; "none" passes none.
    const [sizeRun, noneRun, speedRun] = cargoRuns().slice(-3);
    expect(sizeRun?.args).toContain('--config profile.release.opt-level="z" --config profile.release.lto=true');
    expect(sizeRun?.args).toContain('profile.release.codegen-units=1 --config profile.release.panic="abort" --config profile.release.strip="debuginfo"');
    expect(noneRun?.args).not.toContain("--config");
    expect(speedRun?.args).toContain("--config profile.release.opt-level=3");
    // "speed" also runs wasm-opt at -O3.
    expect(wasmOptRuns().at(-1)?.args).toContain("-O3");
  }, 240_000);

  test("keys the user set win: an env var's opt-level is not overridden", async () => {
    await buildApp({}, undefined, { CARGO_PROFILE_RELEASE_OPT_LEVEL: "1" });
    const run = cargoRuns().at(-1)!;
    expect(run.args).not.toContain("opt-level");
    expect(run.args).toContain("--config profile.release.lto=true");
  }, 120_000);
});

describe("wasm-opt", () => {
  test("a native wasm-opt is preferred; native: false uses the binaryen package; both shrink the wasm", async () => {
    const before = wasmOptRuns().length;
    const native = await buildApp();
    expect(wasmOptRuns().length).toBe(before + 1);
    const packaged = await buildApp({ wasmOpt: { native: false } });
    expect(wasmOptRuns().length).toBe(before + 1);
    expect(packaged.api.crates.stats.wasmOptRuns).toBe(1);
    const unoptimized = await buildApp({ wasmOpt: false });
    expect(native.wasm.length).toBeLessThan(unoptimized.wasm.length * 0.95);
    expect(packaged.wasm.length).toBeLessThan(unoptimized.wasm.length * 0.95);
  }, 120_000);

  test("an old native wasm-opt (Debian's 108) is passed over for the package, or refused when named", async () => {
    // Only Debian's wasm-opt on PATH (npm's JS shim in node_modules/.bin is never taken for a native one),
    // and none installed in the per-user cache (wasm-opt-install.test.ts tests that one).
    const noUserCache = tempOutDir("empty-user-cache");
    const debianOnly = await withEnv({ PATH: savedPath, DEBUG: "vite-plugin-crate", VITE_PLUGIN_CRATE_CACHE_DIR: noUserCache }, () => captureStderr(() => buildApp()));
    expect(debianOnly.output).toContain(`using the binaryen package: ${OLD_NATIVE_WASM_OPT} is version 108; versions before 110 break wasm-bindgen's externref table`);
    expect(debianOnly.output).toMatch(/basic: binaryen\.js [\d.]+ -O1 took/);
    // An old one early on PATH does not hide a newer one later.
    const before = wasmOptRuns().length;
    await withEnv({ PATH: `${savedPath}${path.delimiter}${shims.binDir}` }, () => buildApp());
    expect(wasmOptRuns().length).toBe(before + 1);
    const named = await buildError({ wasmOpt: { native: OLD_NATIVE_WASM_OPT } });
    expect(named.message).toContain(`wasmOpt.native: ${OLD_NATIVE_WASM_OPT} is version 108`);
  }, 120_000);

  test("an optimizer that re-points the externref table export is caught (what wasm-opt 108 does)", async () => {
    const built = await buildApp({ wasmOpt: false });
    const output = [...built.api.crates.values()][0]!.lastOutput!;
    const broken = path.join(built.root, "broken.wasm");
    const input = path.join(built.root, "input.wasm");
    fs.writeFileSync(input, output.glue.wasm);
    // A plain read and write by binaryen 108, no passes: enough to corrupt the export.
    await execa(OLD_NATIVE_WASM_OPT, [input, "--enable-reference-types", "--enable-bulk-memory", "--enable-sign-ext",
      "--enable-mutable-globals", "--enable-nontrapping-float-to-int", "--enable-multivalue", "-o", broken]);
    const check = validateWasm(new Uint8Array(fs.readFileSync(broken)), output.glue.js, MANIFEST, {
      by: "wasm-opt 108 -O0",
      unoptimized: output.glue.wasm,
    });
    await expect(check).rejects.toThrow(
      `Optimization changed export the wasm-bindgen glue uses in the wasm built from ${MANIFEST}: ` +
        "__wbindgen_externrefs was a table of externref and is now a table of funcref.",
    );
  }, 120_000);

  test("a failure fails the build with the tool's reason, native and package alike", async () => {
    // `strip = true` removes the target_features section, and SIMD is not in the
    // feature set rustc enables by default: wasm-opt rejects the SIMD code.
    const env = {
      CARGO_PROFILE_RELEASE_STRIP: "true",
      CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS: "-C target-feature=+simd128",
      CARGO_TARGET_DIR: path.join(TMP, "simd-target"),
    };
    const native = await buildError({}, env);
    expect(native.message).toMatch(new RegExp(`wasm-opt \\d+ -O1 failed on the wasm built from ${MANIFEST}`));
    expect(native.message).toContain("SIMD operations require SIMD");
    expect(native.message).toContain('wasmOpt: { onError: "warn" }');
    const packaged = await buildError({ wasmOpt: { native: false } }, env);
    expect(packaged.message).toMatch(/binaryen\.js [\d.]+ -O1 failed/);
    expect(packaged.message).toContain("SIMD operations require SIMD");

    // onError: "warn" ships the unoptimized wasm and says why.
    const warned = await buildApp({ wasmOpt: { onError: "warn" } }, undefined, env);
    expect(warned.log).toContain("SIMD operations require SIMD");
    expect(warned.log).toContain("Shipping the unoptimized wasm");
    expect(WebAssembly.validate(new Uint8Array(warned.wasm))).toBe(true);
  }, 240_000);

  test("an optimization that drops exports the glue uses fails the build, naming them", async () => {
    // wasm-opt's export minifier renames every export: the glue would fail at its first call.
    const error = await buildError({ wasmOpt: { args: ["--minify-imports-and-exports"] } });
    expect(error.message).toContain(`The wasm built from ${MANIFEST} lacks exports the wasm-bindgen glue uses:`);
    expect(error.message).toMatch(/uses: .*\bgreet\b/);
    expect(error.message).toMatch(/uses: .*\b__wbindgen_malloc\b/);
    expect(error.message).toMatch(/optimized by wasm-opt \d+ -O1: try wasmOpt: false/);
  }, 120_000);

  test("unusable settings are explained", async () => {
    const missing = await buildError({ wasmOpt: { native: "/nowhere/wasm-opt" } });
    expect(missing.message).toContain("wasmOpt.native: /nowhere/wasm-opt could not be run");
    const args = await buildError({ wasmOpt: { native: false, args: ["--enable-simd"] } });
    expect(args.message).toContain("wasmOpt.args needs a native wasm-opt");
  }, 120_000);
});

describe("cache", () => {
  test("a second build skips wasm-bindgen and wasm-opt; an option change re-runs only what it affects", async () => {
    const root = tempOutDir("cache-app");
    const count = () => ({ bindgen: shims.runs("wasm-bindgen").length, opt: wasmOptRuns().length });
    const start = count();
    const first = await buildApp({}, root);
    expect(first.api.crates.stats).toMatchObject({ wasmBindgenRuns: 1, wasmOptRuns: 1, wasmBindgenCacheHits: 0, wasmOptCacheHits: 0 });
    expect(count()).toEqual({ bindgen: start.bindgen + 1, opt: start.opt + 1 });

    const second = await buildApp({}, root);
    expect(second.api.crates.stats).toMatchObject({ cargoRuns: 1, wasmBindgenRuns: 0, wasmOptRuns: 0, wasmBindgenCacheHits: 1, wasmOptCacheHits: 1 });
    expect(count()).toEqual({ bindgen: start.bindgen + 1, opt: start.opt + 1 });
    expect(second.wasm.equals(first.wasm)).toBe(true);

    // Another wasm-opt level: same wasm-bindgen input, new wasm-opt key.
    const level = await buildApp({ wasmOpt: { level: "z" } }, root);
    expect(level.api.crates.stats).toMatchObject({ wasmBindgenCacheHits: 1, wasmOptRuns: 1 });
    expect(count()).toEqual({ bindgen: start.bindgen + 1, opt: start.opt + 2 });

    // Another profile: cargo's wasm changes, so both run again.
    const speed = await buildApp({ profile: "speed" }, root);
    expect(speed.api.crates.stats).toMatchObject({ wasmBindgenRuns: 1, wasmOptRuns: 1 });

    // The debug log says what came from the cache; cache: false never reads it.
    const debug = await withEnv({ DEBUG: "vite-plugin-crate" }, () => captureStderr(() => buildApp({}, root)));
    expect(debug.output).toMatch(/basic: wasm-bindgen output from the cache \([0-9a-f]{32}\)/);
    expect(debug.output).toMatch(/basic: wasm-opt \d+ -O1 output from the cache/);
    const uncached = await buildApp({ cache: false }, root);
    expect(uncached.api.crates.stats).toMatchObject({ wasmBindgenRuns: 1, wasmOptRuns: 1, wasmBindgenCacheHits: 0 });
  }, 240_000);

  test("damaged cache entries are ignored and rebuilt, never served", async () => {
    const root = tempOutDir("damaged-cache-app");
    const first = await buildApp({}, root);
    const cacheRoot = path.join(root, ".vite/vite-plugin-crate");
    const entries = fs.readdirSync(cacheRoot, { recursive: true, encoding: "utf8" })
      .filter((file) => /\.(wasm|json)$/.test(file))
      .map((file) => path.join(cacheRoot, file));
    expect(entries.length).toBeGreaterThanOrEqual(3);
    // Truncate every wasm, turn every .json into garbage.
    for (const file of entries) {
      const bytes = fs.readFileSync(file);
      fs.writeFileSync(file, file.endsWith(".json") ? "{garbage" : bytes.subarray(0, bytes.length >> 1));
    }
    const second = await buildApp({}, root);
    expect(second.api.crates.stats).toMatchObject({ wasmBindgenRuns: 1, wasmOptRuns: 1, wasmBindgenCacheHits: 0, wasmOptCacheHits: 0 });
    expect(second.wasm.equals(first.wasm)).toBe(true);
    // The rebuilt entries replaced the damaged ones: a third build hits them.
    const third = await buildApp({}, root);
    expect(third.api.crates.stats).toMatchObject({ wasmBindgenCacheHits: 1, wasmOptCacheHits: 1 });
    expect(third.wasm.equals(first.wasm)).toBe(true);
  }, 240_000);
});

describe("size report", () => {
  test("lists wasm and glue sizes, the change since the last build, and the largest functions", async () => {
    const root = tempOutDir("report-app");
    const first = await buildApp({ sizeReport: { topFunctions: 5 } }, root);
    const wasmFile = [...first.files.keys()].find((file) => file.endsWith(".wasm"))!;
    const table = first.log.split("\n");
    const wasmRow = table.find((line) => line.startsWith("basic") && line.includes(wasmFile));
    const glueRow = table.find((line) => line.startsWith("basic") && line.includes("glue in assets/index-"));
    expect(wasmRow, first.log).toBeDefined();
    expect(glueRow, first.log).toBeDefined();
    const [raw, gzip, brotli] = sizes(wasmRow!);
    expect(raw).toBeCloseTo(first.wasm.length / 1024, 1);
    expect(gzip).toBeLessThan(raw!);
    expect(brotli).toBeLessThan(gzip!);
    expect(wasmRow).toMatch(/KiB$/); // no previous build in this cache: no change column

    // Top functions: 5 lines after the heading, sizes adding up to less than the whole.
    const heading = table.findIndex((line) => line.includes("largest functions of basic, before wasm-opt"));
    expect(heading, first.log).toBeGreaterThan(-1);
    const functions = table.slice(heading + 1, heading + 6);
    expect(functions).toHaveLength(5);
    for (const line of functions) expect(line).toMatch(/^\s+[\d.]+ (B|KiB)\s+\d+\.\d%\s+\S/);
    expect(functions.join("\n")).toMatch(/dlmalloc|greet|fmt/);

    // Rebuilt unchanged: "same"; the env var turns on the function list too.
    const second = await buildApp({}, root, { VITE_PLUGIN_CRATE_TOP_FUNCTIONS: "3" });
    expect(second.log.split("\n").find((line) => line.startsWith("basic") && line.includes(wasmFile))).toMatch(/\bsame$/);
    expect(second.log).toContain("largest functions of basic");
    // A bigger wasm (no wasm-opt) shows its growth.
    const third = await buildApp({ wasmOpt: false, sizeReport: true }, root);
    const grown = third.log.split("\n").find((line) => line.startsWith("basic") && line.endsWith("KiB") && line.includes(".wasm"));
    expect(grown, third.log).toMatch(/\+[\d.]+ KiB$/);
    expect(third.log).not.toContain("largest functions");
  }, 240_000);

  test("sizeReport: false prints nothing", async () => {
    const built = await buildApp({ sizeReport: false });
    expect(built.log).not.toContain("wasm sizes");
  }, 120_000);
});

describe("headersFile", () => {
  test("writes _headers with the wasm content type and COOP/COEP, after the user's own rules", async () => {
    const root = tempOutDir("headers-app");
    fs.mkdirSync(path.join(root, "public"));
    fs.writeFileSync(path.join(root, "public/_headers"), "/fonts/*\n  Cache-Control: max-age=31536000\n");
    const built = await buildApp({ headersFile: true, crossOriginIsolation: "credentialless" }, root);
    const wasmFile = [...built.files.keys()].find((file) => file.endsWith(".wasm"))!;
    const headers = built.files.get("_headers")?.toString("utf8");
    expect(headers).toBe(
      "/fonts/*\n  Cache-Control: max-age=31536000\n\n" +
        "# Added by vite-plugin-crate (option headersFile)\n\n" +
        "/*\n  Cross-Origin-Opener-Policy: same-origin\n  Cross-Origin-Embedder-Policy: credentialless\n\n" +
        `/${wasmFile}\n  Content-Type: application/wasm\n`,
    );
    const plain = await buildApp({});
    expect(plain.files.has("_headers")).toBe(false);
  }, 120_000);
});

/** The raw, gzip and brotli columns of a report row, in KiB. */
function sizes(row: string): number[] {
  return [...row.matchAll(/([\d.]+) (B|KiB)/g)].map(([, value, unit]) => Number(value) / (unit === "B" ? 1024 : 1));
}

/** Runs `task` while keeping what it writes to stderr (the debug log goes there). */
async function captureStderr<T>(task: () => Promise<T>): Promise<{ result: T; output: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let output = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    output += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: await task(), output };
  } finally {
    process.stderr.write = write;
  }
}
