import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { build, type InlineConfig, type Rollup } from "vite";
import { describe, expect, test } from "vitest";
import crate, { type Options } from "../../src/index.ts";
import { captureLogger } from "../helpers/capture-logger.ts";
import { withEnv } from "../helpers/env.ts";
import { copyToTemp, editFile, REPO_ROOT, SHARED_TARGET, standaloneCrate } from "../helpers/fixtures.ts";
import { binaryenPackageCli, realWasmBindgen } from "../helpers/tool-shims.ts";
import { tempOutDir } from "../helpers/servers.ts";
import { writeViteConfig } from "../helpers/vite-process.ts";

// Faults around a build: tools dying, folders that cannot be written, cargo offline,
// a lock file no CLI matches, awkward paths, two builds at once. Each must end in a
// working build or an error that says what happened and what to do.

/** A one-page app importing the crate at `manifest`. */
function appFor(manifest: string): string {
  const root = tempOutDir("reliability-app");
  fs.writeFileSync(path.join(root, "index.html"), '<script type="module" src="./main.js"></script>');
  fs.writeFileSync(path.join(root, "main.js"), `import { add } from ${JSON.stringify(manifest)};\ndocument.title = String(add(20, 22));\n`);
  return root;
}

/** `vite build` of the app; returns its wasm assets (each validated) and the logged lines. */
async function buildApp(root: string, options: Options = {}, config: InlineConfig = {}): Promise<{ wasm: string[]; lines: string[] }> {
  const logger = captureLogger();
  const outDir = path.join(root, "dist");
  await withEnv(SHARED_TARGET, () =>
    build({ root, configFile: false, customLogger: logger, logLevel: "info", plugins: [crate(options)], ...config, build: { outDir, emptyOutDir: true } }),
  );
  const wasm = fs.readdirSync(path.join(outDir, "assets")).filter((file) => file.endsWith(".wasm"));
  for (const file of wasm) expect(WebAssembly.validate(fs.readFileSync(path.join(outDir, "assets", file)))).toBe(true);
  return { wasm, lines: logger.lines };
}

/** The build's error: Rolldown (Vite 8) wraps plugin errors in one with `errors`. */
async function buildFailure(root: string, options: Options = {}): Promise<Rollup.RollupError> {
  try {
    await buildApp(root, options);
  } catch (error) {
    const { errors } = error as { errors?: Rollup.RollupError[] };
    return errors?.[0] ?? (error as Rollup.RollupError);
  }
  throw new Error("the build succeeded but should have failed");
}

/** An executable shell script. */
function script(file: string, body: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

/**
 * Makes `dir` read-only for this process: a read-only bind mount when running as root
 * (root ignores permission bits), else chmod. Returns the undo.
 */
function makeReadOnly(dir: string): () => void {
  if (process.getuid?.() === 0) {
    execFileSync("mount", ["--bind", dir, dir]);
    execFileSync("mount", ["-o", "remount,bind,ro", dir]);
    return () => execFileSync("umount", [dir]);
  }
  fs.chmodSync(dir, 0o555);
  return () => fs.chmodSync(dir, 0o755);
}

describe("a tool dying mid-build: a clear error, and the next build works", () => {
  test("cargo killed while rustc compiles", async () => {
    const dir = standaloneCrate("basic", "cargo-killed");
    const app = appFor(path.join(dir, "Cargo.toml"));
    const realCargo = execFileSync("sh", ["-c", "command -v cargo"], { encoding: "utf8" }).trim();
    // Kills cargo (the shell execs into it) as soon as it has started a rustc.
    const bin = path.dirname(
      script(
        path.join(dir, "shims/cargo"),
        `if [ "$1" = rustc ]; then (while ! pgrep -P $$ rustc >/dev/null; do sleep 0.02; done; kill -KILL $$) & fi\nexec "${realCargo}" "$@"`,
      ),
    );
    const error = await withEnv({ PATH: `${bin}${path.delimiter}${process.env.PATH}` }, () => buildFailure(app));
    expect(error.pluginCode).toBe("CARGO_KILLED");
    expect(error.message).toContain(`cargo was killed by SIGKILL (out of memory, or another program stopped it) while building ${path.join(dir, "Cargo.toml")}`);
    expect(error.message).toContain("Run the build again");
    expect((await buildApp(app)).wasm).toHaveLength(1);
  });

  test("wasm-bindgen killed", async () => {
    const dir = standaloneCrate("basic", "bindgen-killed");
    const app = appFor(path.join(dir, "Cargo.toml"));
    const real = await realWasmBindgen();
    const killed = script(path.join(dir, "shims/wasm-bindgen"), `if [ "$1" = --version ]; then exec "${real}" "$@"; fi\nkill -KILL $$`);
    const error = await buildFailure(app, { wasmBindgen: { path: killed } });
    expect(error.pluginCode).toBe("WASM_BINDGEN_FAILED");
    expect(error.message).toContain("wasm-bindgen was killed by SIGKILL");
    expect(error.message).toContain("Run the build again (in vite dev: save a file or reload the page)");
    expect((await buildApp(app)).wasm).toHaveLength(1);
  });

  test("a native wasm-opt that crashes", async () => {
    const dir = standaloneCrate("basic", "wasm-opt-crash");
    const app = appFor(path.join(dir, "Cargo.toml"));
    const real = binaryenPackageCli();
    const crashing = script(
      path.join(dir, "shims/wasm-opt"),
      `case "$1" in --version|--help) exec "${real}" "$@";; esac\nkill -SEGV $$`,
    );
    const error = await buildFailure(app, { wasmOpt: { native: crashing } });
    expect(error.message).toContain(`${crashing} was killed by SIGSEGV (it crashed)`);
    expect((await buildApp(app, { wasmOpt: { native: real } })).wasm).toHaveLength(1);
  });
});

describe("folders that cannot be written: a warning, and the build works", () => {
  test("a read-only cache folder", async () => {
    const dir = standaloneCrate("basic", "ro-cache");
    const app = appFor(path.join(dir, "Cargo.toml"));
    const cacheDir = path.join(app, ".vite-cache");
    fs.mkdirSync(cacheDir);
    const undo = makeReadOnly(cacheDir);
    try {
      const { wasm, lines } = await buildApp(app, {}, { cacheDir });
      expect(wasm).toHaveLength(1);
      const warnings = lines.filter((line) => line.includes("cannot be written"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`the build cache in ${path.join(cacheDir, "vite-plugin-crate")} cannot be written (${cacheDir} is not writable: `);
      expect(warnings[0]).toMatch(/is not writable: (EROFS|EACCES)\); building without it$/);
    } finally {
      undo();
    }
  });

  test("a read-only crate folder: its declarations cannot be written", async () => {
    const dir = standaloneCrate("basic", "ro-crate");
    const app = appFor(path.join(dir, "Cargo.toml"));
    // A first build settles Cargo.lock (cargo would rewrite it) and writes the types.
    await buildApp(app);
    const declarations = path.join(dir, "Cargo.toml.d.ts");
    fs.rmSync(declarations);
    const undo = makeReadOnly(dir);
    try {
      const { wasm, lines } = await buildApp(app);
      expect(wasm).toHaveLength(1);
      const warnings = lines.filter((line) => line.includes(`could not write ${declarations}`));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("The build goes on. Make the folder writable, or set `dts: false`");
    } finally {
      undo();
    }
    expect(fs.existsSync(declarations)).toBe(false);
  });
});

describe("dependencies cargo cannot get, and a lock file no CLI matches: clear errors", () => {
  test("cargo offline, with a dependency it never downloaded", async () => {
    const dir = standaloneCrate("basic", "offline");
    // A real crate this machine's registry cache does not hold.
    fs.appendFileSync(path.join(dir, "Cargo.toml"), 'oorandom = "=11.1.3"\n');
    const app = appFor(path.join(dir, "Cargo.toml"));
    const error = await withEnv({ CARGO_NET_OFFLINE: "true" }, () => buildFailure(app));
    expect(error.pluginCode).toBe("CARGO_OFFLINE");
    expect(error.message).toContain(`cargo could not get the dependencies of ${path.join(dir, "Cargo.toml")}`);
    expect(error.message).toContain("cargo is offline");
    expect(error.message).toContain(`cargo fetch --manifest-path ${path.join(dir, "Cargo.toml")}`);
    expect(error.message).toContain("no matching package named `oorandom` found");
    expect(error.message).not.toContain("Fix the manifest");
  });

  test("a Cargo.lock pinning a wasm-bindgen that no installed CLI matches, install off", async () => {
    const dir = standaloneCrate("basic", "old-bindgen");
    editFile(path.join(dir, "Cargo.toml"), 'wasm-bindgen = "=0.2.130"', 'wasm-bindgen = "=0.2.100"');
    // cargo resolves 0.2.100 into the lock file (the registry is reachable).
    await execa("cargo", ["update", "--manifest-path", path.join(dir, "Cargo.toml"), "-p", "wasm-bindgen"], { reject: false });
    const app = appFor(path.join(dir, "Cargo.toml"));
    const error = await buildFailure(app, { wasmBindgen: { install: false, cacheDir: tempOutDir("no-clis") } });
    expect(error.pluginCode).toBe("WASM_BINDGEN_MISSING");
    expect(error.message).toContain(
      `${path.join(dir, "Cargo.toml")} needs the wasm-bindgen CLI 0.2.100, the version of wasm-bindgen in its Cargo.lock (the two must match exactly)`,
    );
    expect(error.message).toContain("cargo install wasm-bindgen-cli --version =0.2.100");
  });
});

describe("crate paths", () => {
  test.each([
    ["spaces", "my crate"],
    ["non-ASCII letters", "crâte-ünïcode-日本"],
    ["#", "crate#1"],
  ])("a crate folder with %s builds", async (_what, name) => {
    const parent = tempOutDir("paths");
    const dir = path.join(parent, name);
    fs.cpSync(standaloneCrate("basic", "odd-path"), dir, { recursive: true });
    const { wasm } = await buildApp(appFor(path.join(dir, "Cargo.toml")));
    expect(wasm).toHaveLength(1);
    expect(fs.existsSync(path.join(dir, "Cargo.toml.d.ts"))).toBe(true);
  });

  test("a crate folder with ? is a clear error: bundlers read it as a query", async () => {
    const dir = path.join(tempOutDir("paths"), "what?crate");
    fs.cpSync(standaloneCrate("basic", "odd-path"), dir, { recursive: true });
    const error = await buildFailure(appFor(path.join(dir, "Cargo.toml")));
    expect(error.pluginCode).toBe("QUERY_IN_PATH");
    expect(error.message).toContain(`${path.join(dir, "Cargo.toml")} has a "?" in its path, which Vite and Rollup read as the start of a query`);
    expect(error.message).toContain("Rename the folder");
  });

  test("a symlinked crate folder", async () => {
    const real = standaloneCrate("basic", "symlinked");
    const link = path.join(tempOutDir("symlink"), "linked-crate");
    fs.symlinkSync(real, link, "dir");
    const { wasm } = await buildApp(appFor(path.join(link, "Cargo.toml")));
    expect(wasm).toHaveLength(1);
  });
});

test("two `vite build` processes at once on one project (one target dir, one cache): both succeed, byte-identical output", async () => {
  const dir = copyToTemp(path.join(REPO_ROOT, "playground"), "two-builds");
  writeViteConfig(dir);
  const vite = path.join(REPO_ROOT, "node_modules/vite/bin/vite.js");
  const run = (outDir: string) =>
    execa("node", [vite, "build", "--outDir", outDir, "--logLevel", "warn"], { cwd: dir, env: { ...SHARED_TARGET }, all: true, reject: false });
  const started = Date.now();
  const [a, b] = await Promise.all([run("dist-a"), run("dist-b")]);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  expect(a.exitCode, a.all).toBe(0);
  expect(b.exitCode, b.all).toBe(0);
  const files = (out: string) =>
    fs
      .readdirSync(path.join(dir, out), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(path.join(dir, out), path.join(entry.parentPath, entry.name)))
      .sort();
  expect(files("dist-a")).toEqual(files("dist-b"));
  expect(files("dist-a").filter((file) => file.endsWith(".wasm"))).toHaveLength(1);
  for (const file of files("dist-a")) {
    expect(fs.readFileSync(path.join(dir, "dist-a", file)).equals(fs.readFileSync(path.join(dir, "dist-b", file))), file).toBe(true);
  }
  console.log(`[figure] two concurrent vite builds of a fresh playground copy: ${seconds} s, ${files("dist-a").length} files each, identical`);
});
