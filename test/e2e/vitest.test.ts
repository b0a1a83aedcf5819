import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { copyToTemp, editFile, FIXTURES, TMP } from "../helpers/fixtures.ts";
import { packPlugin } from "../helpers/scaffold.ts";

// A user's project that tests code importing a crate with Vitest: test/fixtures/vitest-app
// (vitest.config.ts is `plugins: [crate()]`), set up once per Vitest major with the
// plugin installed from a packed tarball, as a user would have it. Each test runs that
// project's own `npx vitest` as a child process and reads its output.

const FIXTURE = path.join(FIXTURES, "vitest-app");

interface Major {
  major: number;
  /** Installed with the plugin's tarball, besides `vite@8` and `happy-dom`. */
  packages: string[];
  /** The Node major the project's Vitest must run on. */
  nodeMajor: number;
}

const MAJORS: Major[] = [
  // Vitest 5 requires Node ^22.12: on this machine's Node 20 it runs, but its reporter
  // crashes (Map.groupBy) before printing any test error. The `node` package from npm
  // puts Node 22 in node_modules/.bin, which `npx` puts first on PATH.
  { major: 5, packages: ["vitest@5", "node@22"], nodeMajor: 22 },
  // Vitest 4 on the machine's own Node (20 here, the oldest line the plugin supports).
  { major: 4, packages: ["vitest@4"], nodeMajor: Number(process.versions.node.split(".")[0]) },
];

const GREETING = 'format!("Hello, {name}!")';
const ADD_BODY = /    a \+ b\n/;

/** Seconds per phase and what the probe saw, per major: printed, and written for the record. */
const report: Record<string, { timings: Record<string, number>; watchRerunTrigger?: string; probe?: unknown }> = {};
const REPORT_FILE = path.join(TMP, "vitest-e2e-report.json");

async function timed<T>(entry: string, phase: string, task: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await task();
  } finally {
    (report[entry] ??= { timings: {} }).timings[phase] = Math.round(performance.now() - start) / 1000;
  }
}

// ---------------------------------------------------------------------------
// Child processes. Each `npx vitest` leads its own process group (npx, Vitest, its
// workers, cargo), so a stuck or watching one is killed whole, and none outlives the file.

interface Child {
  process: ChildProcess;
  /** Everything printed so far, stdout and stderr in order, without colors. */
  output(): string;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

const children = new Set<Child>();

function startVitest(dir: string, args: string[], env: Record<string, string> = {}): Child {
  const vars: NodeJS.ProcessEnv = { ...process.env };
  // The outer Vitest's variables would tell the inner one it is a worker; CI (set on
  // CI) changes its defaults. The child decides for itself, as in a user's terminal.
  for (const name of Object.keys(vars)) if (/^(VITEST|VITE_|CI$|NODE_ENV$|TEST$)/.test(name)) delete vars[name];
  // One pipe for both streams, joined in the child: Vitest prints test errors to stderr
  // and the rest to stdout, and two pipes would not keep their order.
  const child = spawn("sh", ["-c", 'exec npx vitest "$@" 2>&1', "sh", ...args], {
    cwd: dir,
    env: { ...vars, NO_COLOR: "1", FORCE_COLOR: "0", CARGO_TARGET_DIR: path.join(dir, "target"), ...env },
    detached: true,
    // No TTY on stdin: Vitest must watch without one (as under an IDE or a CI log).
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const append = (chunk: Buffer) => void (output += stripVTControlCharacters(chunk.toString()));
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  const handle: Child = {
    process: child,
    output: () => output,
    exited: new Promise((resolve) => child.on("close", (code) => resolve(code))),
  };
  children.add(handle);
  void handle.exited.then(() => children.delete(handle));
  return handle;
}

async function stop(child: Child): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.process.pid!, name);
    } catch {
      // The group is gone already.
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 5000);
  await child.exited;
  clearTimeout(timer);
  signal("SIGKILL"); // anything of the group that ignored SIGTERM and outlived its leader
}

/** `npx vitest run …` to the end. */
async function vitestRun(dir: string, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const child = startVitest(dir, ["run"], env);
  const timer = setTimeout(() => void stop(child), 300_000);
  const code = await child.exited;
  clearTimeout(timer);
  return { code, output: child.output() };
}

/**
 * Waits for the watch-mode run that ends after `from` (an offset into the output):
 * Vitest closes each run with "Waiting for file changes..." (all passed) or "Tests
 * failed. Watching for file changes...". Returns that run's output and where it ends.
 */
async function nextWatchRun(child: Child, from: number, timeout = 120_000): Promise<{ text: string; end: number }> {
  const deadline = Date.now() + timeout;
  const end = /(Waiting|Watching) for file changes\.\.\.\n/g;
  for (;;) {
    end.lastIndex = from;
    const match = end.exec(child.output());
    if (match) return { text: child.output().slice(from, match.index + match[0].length), end: match.index + match[0].length };
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      throw new Error(`vitest exited (${child.process.exitCode ?? child.process.signalCode}) while watching:\n${child.output().slice(from)}`);
    }
    if (Date.now() > deadline) throw new Error(`no watch run ended within ${timeout / 1000} s; output since:\n${child.output().slice(from)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// ---------------------------------------------------------------------------
// Setup: the plugin packed once, a project per major.

let tarball: string;

interface Project {
  dir: string;
  lib: string;
  runLog: string;
}

async function setUpProject({ major, packages, nodeMajor }: Major): Promise<Project> {
  const dir = copyToTemp(FIXTURE, `vitest${major}`);
  await execa("npm", ["install", "--no-audit", "--no-fund", "-D", ...packages, "vite@8", "happy-dom", tarball], { cwd: dir });
  // test/.tmp lies inside the repo, whose node_modules (Vitest 4, Vite 8) Node would
  // fall back on: make sure the project resolves its own, and one Vite for all.
  const require = createRequire(path.join(dir, "package.json"));
  expect((require("vitest/package.json") as { version: string }).version).toMatch(new RegExp(`^${major}\\.`));
  const vite = require.resolve("vite/package.json");
  expect(vite).toBe(path.join(dir, "node_modules/vite/package.json"));
  for (const dependent of ["vitest", "vite-plugin-crate"]) {
    expect(createRequire(require.resolve(`${dependent}/package.json`)).resolve("vite/package.json")).toBe(vite);
  }
  const { stdout: node } = await execa("npx", ["node", "--version"], { cwd: dir });
  expect(node.trim()).toMatch(new RegExp(`^v${nodeMajor}\\.`));
  return { dir, lib: path.join(dir, "crate/src/lib.rs"), runLog: path.join(dir, "runs.log") };
}

beforeAll(async () => {
  fs.mkdirSync(TMP, { recursive: true });
  tarball = await timed("setup", "pack the plugin", () => packPlugin(fs.mkdtempSync(path.join(TMP, "vitest-plugin-pkg-"))));
});

afterAll(async () => {
  await Promise.all([...children].map(stop));
  fs.writeFileSync(REPORT_FILE, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`Vitest e2e report (${REPORT_FILE}):\n${JSON.stringify(report, null, 2)}`);
});

// ---------------------------------------------------------------------------

for (const setup of MAJORS) {
  const { major } = setup;
  const name = `vitest${major}`;
  describe(`Vitest ${major}`, () => {
    let project: Project;
    /** The lines test files appended to the run log (see the fixture's test/run-log.ts). */
    const runs = () => (fs.existsSync(project.runLog) ? fs.readFileSync(project.runLog, "utf8").split("\n").filter(Boolean) : []);

    beforeAll(async () => {
      project = await timed(name, "npm install", () => setUpProject(setup));
    });

    afterAll(async () => {
      await Promise.all([...children].map(stop));
      // Keep the project's sources and logs to look at; drop the bulk (Node 22 alone is 185 MB).
      if (project) for (const bulk of ["node_modules", "target"]) fs.rmSync(path.join(project.dir, bulk), { recursive: true, force: true });
    });

    test("node and happy-dom test files call into the crate and pass", async () => {
      const { code, output } = await timed(name, "vitest run (cold cargo build)", () => {
        fs.rmSync(project.runLog, { force: true });
        return vitestRun(project.dir, { RUN_LOG: project.runLog });
      });
      expect(output).toMatch(/Test Files\s+3 passed \(3\)/);
      expect(code, output).toBe(0);
      // The test files' bodies ran (a failing crate import stops a file before its body).
      expect(runs().sort()).toEqual(["dom", "greet", "plain"]);
    }, 300_000);

    test("a second `vitest run` runs the edited crate", async () => {
      // Vitest 5 caches transformed modules on disk between runs (fsModuleCache, on by
      // default), keyed by the module file's own text: Cargo.toml's does not change
      // when lib.rs does, so a plugin that does not opt out gets its old module back.
      const pristine = fs.readFileSync(project.lib, "utf8");
      editFile(project.lib, GREETING, 'format!("Howdy, {name}!")');
      try {
        const { code, output } = await timed(name, "vitest run (edited crate)", () => vitestRun(project.dir));
        expect(code, output).toBe(1);
        expect(output).toContain("Howdy, Vitest!");
        expect(output).toContain("Howdy, DOM!");
      } finally {
        fs.writeFileSync(project.lib, pristine);
      }
    }, 120_000);

    test("a Rust compile error fails `vitest run` with rustc's diagnostic", async () => {
      const pristine = fs.readFileSync(project.lib, "utf8");
      editFile(project.lib, ADD_BODY, '    let wrong: i32 = "text";\n    a + b + wrong\n');
      try {
        const { code, output } = await timed(name, "vitest run (compile error)", () => vitestRun(project.dir));
        expect(code, output).not.toBe(0);
        expect(output).toContain("error[E0308]: mismatched types");
        expect(output).toMatch(/--> src[\\/]lib\.rs:\d+:\d+/);
      } finally {
        fs.writeFileSync(project.lib, pristine);
      }
    }, 120_000);

    test("watch mode: a .rs edit reruns the crate's importers, only them, in the same process", async () => {
      const pristine = fs.readFileSync(project.lib, "utf8");
      fs.rmSync(project.runLog, { force: true });
      const watch = startVitest(project.dir, ["--watch"], { RUN_LOG: project.runLog });
      try {
        const first = await timed(name, "watch: first run", () => nextWatchRun(watch, 0));
        expect(first.text).toMatch(/Test Files\s+3 passed \(3\)/);
        expect(runs().sort()).toEqual(["dom", "greet", "plain"]);

        // Make the crate disagree with the tests: the rerun must run the new code.
        editFile(project.lib, GREETING, 'format!("Howdy, {name}!")');
        const broken = await timed(name, "watch: rerun after edit", () => nextWatchRun(watch, first.end));
        expect(broken.text).toMatch(/RERUN\s+\S/);
        expect(broken.text).toContain("Howdy, Vitest!");
        expect(broken.text).toContain("Howdy, DOM!");
        // Only the two files that import the crate ran again.
        expect(broken.text).toMatch(/Test Files\s+2 failed \(2\)/);

        editFile(project.lib, 'format!("Howdy, {name}!")', GREETING);
        const fixed = await timed(name, "watch: rerun after revert", () => nextWatchRun(watch, broken.end));
        expect(fixed.text).toMatch(/RERUN\s+\S/);
        expect(fixed.text).toMatch(/Test Files\s+2 passed \(2\)/);
        // What Vitest names as the rerun's cause (the edited file, when the plugin
        // registers .rs files with this.addWatchFile): for the record.
        report[name]!.watchRerunTrigger = /RERUN\s+(\S+)/.exec(broken.text)?.[1];

        // plain.test.ts imports no crate: it ran once, at the start.
        expect(runs().filter((line) => line === "plain")).toEqual(["plain"]);
        expect(runs().filter((line) => line === "greet")).toEqual(["greet", "greet", "greet"]);
        // Same process throughout: no restart, one start banner.
        expect(watch.process.exitCode).toBe(null);
        expect(watch.output()).not.toMatch(/restart/i);
        expect(watch.output().match(/^\s*(DEV|RUN)\s+v\d+\./gm), watch.output()).toHaveLength(1);
      } finally {
        await stop(watch);
        fs.writeFileSync(project.lib, pristine);
      }
    }, 400_000);

    test("probe: what plugins see in each environment, and addWatchFile in watch mode", async () => {
      const probeLog = path.join(project.dir, "probe.log");
      const runLog = path.join(project.dir, "probe-runs.log");
      const dependency = path.join(project.dir, "probe/dependency.txt");
      fs.writeFileSync(dependency, "first\n");
      const watch = startVitest(project.dir, ["--watch", "--config", "vitest.probe.config.ts"], { PROBE_LOG: probeLog, RUN_LOG: runLog });
      try {
        const first = await timed(name, "probe: first run", () => nextWatchRun(watch, 0));
        const entries = fs.readFileSync(probeLog, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
        const lines = () => fs.readFileSync(runLog, "utf8").split("\n").filter(Boolean);
        const before = lines().length;

        // A file the probe plugin registered with this.addWatchFile while loading.
        fs.writeFileSync(dependency, "second\n");
        const rerun = await timed(name, "probe: rerun after addWatchFile edit", () => nextWatchRun(watch, first.end, 60_000));
        // The crate's test files may rerun too (Vitest reruns failed files): only the probe's count.
        const after = lines().slice(before).filter((line) => line.startsWith("watched-"));

        const loads = entries.filter((entry) => entry.hook === "load");
        const crateLoads = loads.filter((entry) => entry.id === "crate/Cargo.toml");
        const seen = {
          config: entries.find((entry) => entry.hook === "configResolved"),
          configureVitest: entries.find((entry) => entry.hook === "configureVitest"),
          // Which environment loads the crate when a node test and a happy-dom test import it.
          loads: loads.filter((entry) => /Cargo\.toml|(greet|dom)\.test\.ts/.test(String(entry.id))),
          addWatchFile: {
            rerunTrigger: /RERUN\s+(\S+)/.exec(rerun.text)?.[1],
            // "cached=… uncached=…": what each importer saw on the rerun (see probe-plugin.ts).
            rerunLines: after,
          },
        };
        report[name]!.probe = seen;

        expect(seen.config, first.text).toMatchObject({ command: "serve", node: expect.stringMatching(new RegExp(`^v${setup.nodeMajor}\\.`)) });
        // What the plugin must cope with: the happy-dom test's crate loads in Vite's
        // "client" environment (consumer "client", ssr false), yet runs in Node.
        expect(crateLoads.map((entry) => entry.environment).sort(), first.text).toEqual(["client", "ssr"]);
        // Editing the watched file reran both importers (node and happy-dom), and the
        // module that opts out of Vitest's module cache saw the new text.
        expect(seen.addWatchFile.rerunTrigger, rerun.text).toBe("probe/dependency.txt");
        expect(after.map((line) => line.replace(/ cached=\S+/, "")).sort(), rerun.text).toEqual([
          "watched-dom uncached=second",
          "watched-node uncached=second",
        ]);
      } finally {
        await stop(watch);
        fs.writeFileSync(dependency, "first\n");
      }
    }, 200_000);
  });
}
