import fs from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, test } from "vitest";
import { freePorts, startAppServer, type AppServer } from "../helpers/app-server.ts";
import { openPage, useBrowser } from "../helpers/browser.ts";
import { editFile, REPO_ROOT } from "../helpers/fixtures.ts";
import { freshDir, installWithPlugin, packPlugin, runStep, timed } from "../helpers/scaffold.ts";

// The README's getting-started, exactly as a user walks it: the plugin from the tarball
// `npm pack` makes, an app from create-vite's vanilla-ts template, `npx vite-plugin-crate
// init`, then a fresh clone of that app running the template's own scripts (its build is
// `tsc && vite build`: the types must be there before anything was built).

const { browser, closeAfterAll } = useBrowser();
let setup: Promise<{ work: string; tarball: string; app: string }>;

beforeAll(async () => {
  setup = (async () => {
    const work = freshDir("create-vite-app");
    const tarball = await packPlugin(work);
    await runStep("npm create vite (vanilla-ts)", "npm", [
      "create", "-y", "vite@latest", "app", "--", "--template", "vanilla-ts", "--no-interactive",
    ], { cwd: work });
    const app = path.join(work, "app");
    await installWithPlugin(app, tarball);
    return { work, tarball, app };
  })();
  await setup.catch(() => undefined);
});

describe("the tarball", () => {
  test("holds the built plugin and its bin; publint and arethetypeswrong find nothing", async () => {
    const { tarball } = await setup;
    const listing = (await execa("tar", ["-tzf", tarball])).stdout.split("\n");
    expect(listing).toEqual(expect.arrayContaining([
      "package/dist/index.js",
      "package/dist/index.d.ts",
      "package/dist/cli/main.js",
      "package/dist/wasm-opt/worker.js",
    ]));
    expect(listing.filter((file) => /\/(src|test|playground)\//.test(file))).toEqual([]);
    const publint = await execa("npx", ["publint", "run", tarball, "--strict"], { cwd: REPO_ROOT, all: true, reject: false });
    expect(publint.exitCode, publint.all).toBe(0);
    expect(publint.all).toContain("All good!");
    // ESM only, on purpose (Vite configs are ESM; Vite 7+ is ESM-only): the esm-only
    // profile leaves out the `require` resolution checks.
    const attw = await execa("npx", ["attw", tarball, "--profile", "esm-only", "--format", "ascii"], {
      cwd: REPO_ROOT, all: true, reject: false,
    });
    expect(attw.exitCode, attw.all).toBe(0);
  });
});

describe("a git install", () => {
  test("npm install from the repository builds dist/ (prepare), and the bin runs", async () => {
    const dir = freshDir("git-install");
    fs.writeFileSync(path.join(dir, "package.json"), '{ "name": "git-install-probe", "private": true }\n');
    // The committed HEAD, as `npm install github:owner/repo` would fetch it.
    await runStep("npm install git+file://", "npm", ["install", "--no-audit", "--no-fund", `git+file://${REPO_ROOT}`], { cwd: dir });
    const installed = path.join(dir, "node_modules/vite-plugin-crate");
    expect(fs.existsSync(path.join(installed, "dist/index.js"))).toBe(true);
    expect(fs.existsSync(path.join(installed, "dist/index.d.ts"))).toBe(true);
    const help = await execa("npx", ["vite-plugin-crate", "--help"], { cwd: dir, all: true });
    expect(help.all).toContain("vite-plugin-crate init");
  }, 600_000);
});

// One flow in steps, in order, as a user takes them: each test goes on from the last.
describe("create-vite vanilla-ts + npx vite-plugin-crate init", () => {
  test("init adds the crate, the config and the types, and refuses to run twice", async () => {
    const { app } = await setup;
    const output = await runStep("npx vite-plugin-crate init", "npx", ["vite-plugin-crate", "init"], { cwd: app });
    expect(output).toContain("crate/Cargo.toml");
    expect(fs.readFileSync(path.join(app, "vite.config.ts"), "utf8")).toContain("plugins: [crate()]");
    expect(fs.readFileSync(path.join(app, ".gitignore"), "utf8")).toMatch(/^target\/$/m);
    const dts = fs.readFileSync(path.join(app, "crate/Cargo.toml.d.ts"), "utf8");
    expect(dts).toContain("export function greet(name: string): string;");

    const again = await execa("npx", ["vite-plugin-crate", "init"], { cwd: app, reject: false, all: true });
    expect(again.exitCode).toBe(1);
    expect(again.all).toMatch(/crate already exists; init writes nothing over existing files/);

    // The user's one line of code: call Rust from the template's main.ts.
    const main = path.join(app, "src/main.ts");
    fs.writeFileSync(main, `import { greet } from "../crate/Cargo.toml";\n${fs.readFileSync(main, "utf8")}
const rust = document.createElement("p");
rust.id = "rust";
rust.textContent = greet("Vite");
document.body.append(rust);
`);
    // The committed app, as a teammate or CI clones it.
    await runStep("git init and commit", "sh", ["-c",
      "git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -qm app"], { cwd: app });
    const tracked = (await execa("git", ["ls-files"], { cwd: app })).stdout.split("\n");
    expect(tracked).toEqual(expect.arrayContaining(["crate/Cargo.toml", "crate/Cargo.toml.d.ts", "crate/src/lib.rs", "vite.config.ts"]));
    expect(tracked.filter((file) => /(^|\/)(target|node_modules)\//.test(file))).toEqual([]);
  }, 600_000);

  test("a fresh clone: npm ci, then the template's npm run build (tsc && vite build) passes, under CI", async () => {
    const { work } = await setup;
    const clone = path.join(work, "clone");
    await runStep("git clone", "git", ["clone", "-q", path.join(work, "app"), clone], { cwd: work });
    expect(fs.existsSync(path.join(clone, "crate/target"))).toBe(false);
    await runStep("npm ci (clone)", "npm", ["ci", "--no-audit", "--no-fund"], { cwd: clone });
    const env = { CI: "true" };
    await runStep("npm run build (clone)", "npm", ["run", "build"], { cwd: clone, env });
    const assets = fs.readdirSync(path.join(clone, "dist/assets"));
    expect(assets.filter((file) => file.endsWith(".wasm"))).toHaveLength(1);

    // Someone changes the crate's exports and forgets the declarations: CI says so.
    editFile(path.join(clone, "crate/src/lib.rs"), "pub fn greet(name: &str)", "pub fn twice(x: i32) -> i32 { x * 2 }\n\n#[wasm_bindgen]\npub fn greet(name: &str)");
    const stale = await execa("npm", ["run", "build"], { cwd: clone, env: { ...process.env, ...env }, reject: false, all: true });
    expect(stale.exitCode).not.toBe(0);
    expect(stale.all).toContain("crate/Cargo.toml.d.ts is out of date");
    const check = await execa("npx", ["vite-plugin-crate", "types", "--check"], { cwd: clone, reject: false, all: true });
    expect(check.exitCode, check.all).toBe(1);
    // The fix the message names.
    const types = await runStep("npx vite-plugin-crate types", "npx", ["vite-plugin-crate", "types"], { cwd: clone });
    expect(types).toContain("crate/Cargo.toml.d.ts written");
    expect(fs.readFileSync(path.join(clone, "crate/Cargo.toml.d.ts"), "utf8")).toContain("export function twice(x: number): number;");
    await runStep("npm run build (clone, types updated)", "npm", ["run", "build"], { cwd: clone, env });
    const checked = await runStep("npx vite-plugin-crate types --check", "npx", ["vite-plugin-crate", "types", "--check"], { cwd: clone });
    expect(checked).toContain("crate/Cargo.toml.d.ts is up to date");
  }, 600_000);

  test("npm run dev and npm run preview: the page calls Rust, cross-origin isolated", async () => {
    const { app } = await setup;
    const [devPort, previewPort] = await freePorts(2);
    for (const [script, port] of [["dev", devPort], ["preview", previewPort]] as const) {
      if (script === "preview") await runStep("npm run build (app)", "npm", ["run", "build"], { cwd: app });
      const server = await start(app, script, port!);
      try {
        const { page, errors } = await openPage(browser(), server.url);
        await page.waitForSelector("#rust", { timeout: 240_000 }).catch((error: Error) => {
          throw new Error(`${error.message}\npage errors: ${errors.join("\n")}\n${server.report()}`);
        });
        expect(await page.textContent("#rust")).toBe("Hello, Vite!");
        expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
        expect(errors).toEqual([]);
        await page.close();
      } finally {
        await server.close();
      }
    }
  }, 600_000);
});

async function start(app: string, script: string, port: number): Promise<AppServer> {
  const label = `create-vite app: npm run ${script}`;
  const server = await timed(`${label} listening`, () =>
    startAppServer(label, "npm", ["run", script, "--", "--port", String(port), "--strictPort"], { cwd: app, port }),
  );
  closeAfterAll(server);
  return server;
}
