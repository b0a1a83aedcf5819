import fs from "node:fs";
import path from "node:path";
import { execa } from "execa";
import type { Browser, Page } from "playwright-core";
import type { ViteDevServer } from "vite";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { launchBrowser, openPage, waitForReady } from "../helpers/browser.ts";
import { captureLogger } from "../helpers/capture-logger.ts";
import { withEnv } from "../helpers/env.ts";
import { copyToTemp, editFile, REPO_ROOT } from "../helpers/fixtures.ts";
import { startDevServer } from "../helpers/servers.ts";
import { installToolShims, realWasmBindgen } from "../helpers/tool-shims.ts";

// The Rust edit loop on a copy of the playground: overlay diagnostics, hot updates
// that keep state, coalesced rebuilds, skipped glue generation, progress, shutdown.
// Logging wrappers around cargo and wasm-bindgen count what actually ran.
let dir: string;
let lib: string;
let manifest: string;
/** lib.rs and Cargo.toml as copied: every test starts from them. */
let pristine: { lib: string; manifest: string };
let server: ViteDevServer;
let url: string;
let browser: Browser;
let shims: ReturnType<typeof installToolShims>;
const logger = captureLogger();

beforeAll(async () => {
  dir = copyToTemp(path.join(REPO_ROOT, "playground"));
  lib = path.join(dir, "crate/src/lib.rs");
  manifest = path.join(dir, "crate/Cargo.toml");
  pristine = { lib: fs.readFileSync(lib, "utf8"), manifest: fs.readFileSync(manifest, "utf8") };
  shims = installToolShims(path.join(dir, "shims"), await realWasmBindgen());
  process.env.PATH = `${shims.binDir}${path.delimiter}${process.env.PATH}`;
  ({ server, url } = await startDevServer({
    configFile: path.join(REPO_ROOT, "vite.config.ts"),
    root: dir,
    customLogger: logger,
    logLevel: "info",
  }));
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Waits until cargo and wasm-bindgen have been idle for a while. */
async function toolsSettled(): Promise<void> {
  const count = () => shims.runs("cargo").length + shims.runs("wasm-bindgen").length;
  for (let before = -1; before !== count(); ) {
    before = count();
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }
}

afterEach(async () => {
  if (fs.readFileSync(lib, "utf8") !== pristine.lib) fs.writeFileSync(lib, pristine.lib);
  if (fs.readFileSync(manifest, "utf8") !== pristine.manifest) fs.writeFileSync(manifest, pristine.manifest);
  await toolsSettled();
});

const text = (page: Page, id: string) => page.textContent(`#${id}`);
const GREETING = /format!\("[^"]*, \{name\}!"[^)]*\)/;
const ADD_BODY = /    a \+ b\n/;
/** 1-based number of the first line of lib.rs containing `snippet`. */
const lineOf = (snippet: string) => fs.readFileSync(lib, "utf8").split("\n").findIndex((l) => l.includes(snippet)) + 1;
const cargoBuilds = () => shims.runs("cargo").filter((run) => run.args.startsWith("rustc "));

/** Opens the page and marks the window, so a reload (which drops the mark) is detectable. */
async function openMarkedPage(): Promise<{ page: Page; errors: string[]; reloaded: () => Promise<boolean> }> {
  const { page, errors } = await openPage(browser, url);
  await waitForReady(page, errors, 180_000);
  await page.evaluate(() => ((window as unknown as { mark: boolean }).mark = true));
  return { page, errors, reloaded: async () => !(await page.evaluate(() => (window as unknown as { mark?: boolean }).mark)) };
}

async function waitForText(page: Page, id: string, value: string): Promise<void> {
  await page.waitForFunction(([i, v]) => document.getElementById(i!)?.textContent === v, [id, value], {
    timeout: 120_000,
    polling: "raf",
  });
}

async function overlayText(page: Page): Promise<string> {
  const overlay = page.locator("vite-error-overlay");
  await overlay.waitFor({ state: "attached", timeout: 120_000 });
  return overlay.evaluate((el) => el.shadowRoot?.textContent ?? "");
}

describe("the Rust edit loop", () => {
  test("a cold build prints progress: crate, crates compiled so far, elapsed time", async () => {
    const { page } = await openMarkedPage();
    await page.close();
    const progress = logger.lines.filter((line) => line.includes("compiling playground-crate:"));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toMatch(/compiling playground-crate: \d+\/\d+ crates, \d+\.\d s/);
    expect(logger.lines.some((line) => /compiled playground-crate in \d+\.\d s/.test(line))).toBe(true);
  });

  test("a hot update keeps the page's state", async () => {
    const { page, errors, reloaded } = await openMarkedPage();
    await page.click("#counter");
    await page.click("#counter");
    expect(await text(page, "counter")).toBe("count is 12");

    editFile(lib, GREETING, 'format!("Hi there, {name}!")');
    await waitForText(page, "greet", "Hi there, Ada!");
    expect(await reloaded()).toBe(false);
    expect(await text(page, "counter")).toBe("count is 12");
    // The app recreated its Counter from the new module, carrying the count over.
    await page.click("#counter");
    expect(await text(page, "counter")).toBe("count is 13");

    // A second and third update on the same page reach it too.
    editFile(lib, GREETING, 'format!("Second, {name}!")');
    await waitForText(page, "greet", "Second, Ada!");
    editFile(lib, GREETING, 'format!("Third, {name}!")');
    await waitForText(page, "greet", "Third, Ada!");
    expect(await reloaded()).toBe(false);
    expect(await text(page, "counter")).toBe("count is 13");
    expect(errors).toEqual([]);
    await page.close();
  });

  test("a type error shows in the overlay with its code, location and frame; fixing it clears the overlay", async () => {
    const { page, reloaded } = await openMarkedPage();
    editFile(lib, ADD_BODY, '    let wrong: i32 = "text";\n    a + b + wrong\n');
    const overlay = await overlayText(page);
    expect(overlay).toContain("error[E0308]: mismatched types");
    // rustc's column 22 (1-based) is column 21 in Rollup's 0-based convention.
    const line = lineOf("let wrong");
    expect(overlay).toContain(`${lib}:${line}:21`);
    expect(overlay).toContain(`${line} |     let wrong: i32 = "text";`);

    editFile(lib, '    let wrong: i32 = "text";\n    a + b + wrong\n', "    a + b + 100\n");
    await waitForText(page, "add", "142");
    expect(await page.locator("vite-error-overlay").count()).toBe(0);
    expect(await reloaded()).toBe(false);
    await page.close();
  });

  test("several errors are all listed, the first one located", async () => {
    const { page } = await openMarkedPage();
    editFile(lib, ADD_BODY, "    a + b + missing_one + missing_two\n");
    const overlay = await overlayText(page);
    expect(overlay).toContain("failed with 2 errors");
    expect(overlay).toContain("cannot find value `missing_one` in this scope");
    expect(overlay).toContain("cannot find value `missing_two` in this scope");
    expect(overlay).toContain(`${lib}:${lineOf("missing_one")}:12`);
    fs.writeFileSync(lib, pristine.lib);
    await page.locator("vite-error-overlay").waitFor({ state: "detached", timeout: 120_000 });
    await page.close();
  });

  test("an error in Cargo.toml and cargo's own errors reach the overlay, and recover", async () => {
    const { page } = await openMarkedPage();
    const before = pristine.manifest;
    fs.writeFileSync(manifest, before.replace("[dependencies]", "[dependencies\n"));
    expect(await overlayText(page)).toContain(`cargo could not read ${manifest}`);

    fs.writeFileSync(manifest, `${before}no-such-crate-for-vite-plugin-crate-tests = "1"\n`);
    await page.waitForFunction(
      () => document.querySelector("vite-error-overlay")?.shadowRoot?.textContent?.includes("no-such-crate-for-vite-plugin-crate-tests"),
      undefined,
      { timeout: 120_000 },
    );

    fs.writeFileSync(manifest, before);
    await page.locator("vite-error-overlay").waitFor({ state: "detached", timeout: 120_000 });
    await waitForReady(page, []);
    await page.close();
  });

  test("an error on first load shows in the overlay, and fixing it loads the page", async () => {
    const seen = logger.lines.length;
    editFile(lib, GREETING, 'format!("Hi there, {name}!", oops)');
    // Let the watcher's rebuild fail first, so the page's request meets a broken crate.
    await expect
      .poll(() => logger.lines.slice(seen).some((line) => line.includes("argument never used")), { timeout: 120_000 })
      .toBe(true);
    const { page, errors } = await openPage(browser, url);
    expect(await overlayText(page)).toContain("error: argument never used");
    editFile(lib, GREETING, 'format!("Welcome, {name}!")');
    await waitForText(page, "greet", "Welcome, Ada!");
    await waitForReady(page, errors);
    await page.close();
  });

  // How builds are spaced in a burst is the Rebuilder's unit tests' business
  // (test/unit/rebuilder.test.ts); this checks the real watcher, cargo and page agree.
  test("ten rapid edits: the page ends on the last one, with at most two cargo builds", async () => {
    const { page } = await openMarkedPage();
    const buildsBefore = cargoBuilds().length;
    // Well inside the burst pause, so a slow machine cannot split the burst.
    for (let i = 1; i <= 10; i++) {
      editFile(lib, GREETING, `format!("Edit ${i}, {name}!")`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await waitForText(page, "greet", "Edit 10, Ada!");
    await toolsSettled();
    expect(await text(page, "greet")).toBe("Edit 10, Ada!");
    expect(cargoBuilds().length - buildsBefore).toBeLessThanOrEqual(2);
    expect(cargoBuilds().length - buildsBefore).toBeGreaterThanOrEqual(1);
    await page.close();
  });

  test("a comment-only edit reruns cargo but not wasm-bindgen, and sends no update", async () => {
    const { page, reloaded } = await openMarkedPage();
    const builds = cargoBuilds().length;
    const glueRuns = shims.runs("wasm-bindgen").length;
    // A plain comment, same line count: cargo's wasm comes out byte for byte the same.
    editFile(lib, "// Try it: edit this function", "// Try this: edit this function");
    await expect.poll(() => cargoBuilds().length, { timeout: 60_000 }).toBeGreaterThan(builds);
    await toolsSettled();
    expect(shims.runs("wasm-bindgen").length).toBe(glueRuns);
    expect(await reloaded()).toBe(false);
    await page.close();
  });

  test("a rustc warning is printed once per build, not on every request", async () => {
    editFile(lib, ADD_BODY, "    let unused_in_add = 1;\n    a + b\n");
    const warned = () => logger.lines.filter((line) => line.includes("unused variable: `unused_in_add`")).length;
    await expect.poll(warned, { timeout: 60_000 }).toBe(1);
    for (let i = 0; i < 2; i++) {
      const { page, errors } = await openPage(browser, url);
      await waitForReady(page, errors);
      await page.close();
    }
    expect(warned()).toBe(1);
  });

  test("a changed export list falls back to a full reload", async () => {
    const { page, errors, reloaded } = await openMarkedPage();
    fs.appendFileSync(lib, "\n#[wasm_bindgen]\npub fn added_later() -> u32 {\n    7\n}\n");
    await expect.poll(reloaded, { timeout: 60_000 }).toBe(true);
    await waitForReady(page, errors);
    expect(await text(page, "add")).toBe("42");
    expect(logger.lines.some((line) => line.includes("the crate's exports changed"))).toBe(true);
    await page.close();
  });

  test("another cargo holding the target dir's lock is reported, not waited on silently", async () => {
    // What rust-analyzer does: `cargo check` on the same target dir, which takes the
    // same lock as our build for a few seconds on a target dir that has never been checked.
    const other = execa("cargo", ["check", "--target", "wasm32-unknown-unknown", "--manifest-path", manifest], {
      reject: false,
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const seen = logger.lines.length;
    editFile(lib, GREETING, 'format!("Locked, {name}!")');
    await expect
      .poll(() => logger.lines.slice(seen).some((line) => line.includes("waiting for another cargo that holds the lock")), {
        timeout: 60_000,
      })
      .toBe(true);
    await other;
  });
});

test("closing the server stops the cargo it started", async () => {
  // A fresh copy: its first build compiles every dependency, which takes a while.
  const fresh = copyToTemp(path.join(REPO_ROOT, "playground"));
  const { server: second, url: secondUrl } = await withEnv({}, () =>
    startDevServer({ configFile: path.join(REPO_ROOT, "vite.config.ts"), root: fresh, logLevel: "silent" }),
  );
  void fetch(`${secondUrl}crate/Cargo.toml?import`).catch(() => {});
  const running = async () => (await execa("ps", ["-A", "-o", "args="])).stdout.split("\n").filter((l) => l.includes(fresh) && /cargo|rustc/.test(l));
  await expect.poll(running, { timeout: 60_000 }).not.toEqual([]);
  await second.close();
  await expect.poll(running, { timeout: 15_000 }).toEqual([]);
});
