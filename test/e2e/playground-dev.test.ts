import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import type { ViteDevServer } from "vite";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launchBrowser, openPage, waitForReady } from "../helpers/browser.ts";
import { copyToTemp, editFile, REPO_ROOT } from "../helpers/fixtures.ts";
import { startDevServer } from "../helpers/servers.ts";
import { moduleSections, Reader } from "../../src/wasm-binary/reader.ts";

/** A custom section's name (its section reader starts there). */
const customSectionName = (section: Reader) => new Reader(section.bytes, section.pos, section.end, "custom section").string("custom section name");

// The playground as `npm run dev` serves it (its own vite.config.ts), on a copy so the
// edit tests never touch the checked-in crate.
let dir: string;
let server: ViteDevServer;
let url: string;
let browser: Browser;

beforeAll(async () => {
  dir = copyToTemp(path.join(REPO_ROOT, "playground"));
  ({ server, url } = await startDevServer({ configFile: path.join(REPO_ROOT, "vite.config.ts"), root: dir }));
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function rawGet(pathname: string): Promise<number> {
  const { port, hostname } = new URL(url);
  return new Promise((resolve, reject) => {
    // http.get sends the path as written: no URL normalization of `..`.
    http.get({ host: hostname, port, path: pathname }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on("error", reject);
  });
}

const text = (page: Page, id: string) => page.textContent(`#${id}`);

describe("playground in vite dev", () => {
  test("every kind of export works on the page", async () => {
    const { page, errors } = await openPage(browser, url);
    await waitForReady(page, errors, 180_000);
    expect(await text(page, "greet")).toBe("Hello, Ada!");
    expect(await text(page, "add")).toBe("42");
    expect(await text(page, "percent")).toBe("0.42");
    expect(await text(page, "percent-error")).toBe('not a percentage: "lots"');
    expect(await text(page, "invert")).toBe("255,0,240");
    expect(await text(page, "mood")).toBe("curious");
    expect(await text(page, "worker")).toBe("Hello, worker! 42");
    await page.click("#counter");
    await page.click("#counter");
    expect(await text(page, "counter")).toBe("count is 12");
    expect(errors).toEqual([]);
    await page.close();
  });

  test("wasm is application/wasm and every response is cross-origin isolated", async () => {
    const page = await browser.newPage();
    const responses: { url: string; headers: Record<string, string> }[] = [];
    page.on("response", async (response) => responses.push({ url: response.url(), headers: await response.allHeaders() }));
    await page.goto(url);
    await waitForReady(page, []);
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    expect(await text(page, "isolated")).toBe("true");

    // The page's and (when reported) the worker's fetch of one URL.
    const wasm = responses.filter((r) => r.url.endsWith(".wasm"));
    expect(new Set(wasm.map((r) => r.url)).size).toBe(1);
    for (const response of wasm) expect(response.headers["content-type"]).toBe("application/wasm");
    const kinds = [url, `${url}src/main.ts`, wasm[0]!.url];
    for (const kind of kinds) {
      const response = responses.find((r) => r.url === kind);
      expect(response, kind).toBeDefined();
      expect(response!.headers["cross-origin-opener-policy"], kind).toBe("same-origin");
      expect(response!.headers["cross-origin-embedder-policy"], kind).toBe("require-corp");
    }
    await page.close();

    // Debuggable: the dev wasm keeps its name section (Rust names in stacks) and points,
    // with an external_debug_info section, at its DWARF (Chrome's C/C++ DevTools
    // extension steps through .rs files with it), made when first fetched: the same
    // module with the DWARF sections, so the DWARF's code offsets fit the page's wasm.
    const servedBytes = new Uint8Array(await (await fetch(wasm[0]!.url)).arrayBuffer());
    const served = new WebAssembly.Module(servedBytes);
    expect(WebAssembly.Module.customSections(served, "name")).toHaveLength(1);
    expect(WebAssembly.Module.customSections(served, ".debug_info")).toHaveLength(0);
    const [pointer] = WebAssembly.Module.customSections(served, "external_debug_info");
    const debugName = new TextDecoder().decode(new Uint8Array(pointer!).subarray(1)); // after its one-byte length
    expect(debugName).toMatch(/^playground_crate-[0-9a-f]{8}-[0-9a-f]{16}\.debug\.wasm$/);
    const debugResponse = await fetch(new URL(debugName, wasm[0]!.url));
    expect(debugResponse.headers.get("content-type")).toBe("application/wasm");
    const debugBytes = new Uint8Array(await debugResponse.arrayBuffer());
    const debug = new WebAssembly.Module(debugBytes);
    for (const section of [".debug_info", ".debug_line", "name"]) {
      expect(WebAssembly.Module.customSections(debug, section), section).toHaveLength(1);
    }
    expect(debugBytes.byteLength).toBeGreaterThan(servedBytes.byteLength * 4);
    // Every non-DWARF section the same, byte for byte (the code section above all).
    const withoutDwarf = (bytes: Uint8Array) =>
      moduleSections(bytes)
        .filter(({ id, reader }) => id !== 0 || !/^\.debug_|^external_debug_info$/.test(customSectionName(reader)))
        .map(({ reader }) => Buffer.from(bytes.subarray(reader.pos, reader.end)).toString("hex"));
    expect(withoutDwarf(debugBytes)).toEqual(withoutDwarf(servedBytes));
  });

  test("the wasm route serves only what was built", async () => {
    expect(await rawGet("/@vite-plugin-crate/nothing.wasm")).toBe(404);
    expect(await rawGet("/@vite-plugin-crate/../../package.json")).toBe(404);
    expect(await rawGet("/@vite-plugin-crate/..%2f..%2fpackage.json")).toBe(404);
    expect(await rawGet("/@vite-plugin-crate/%2e%2e/%2e%2e/index.html")).toBe(404);
  });

  test("cargo's target/ inside the root is not watched", async () => {
    const { page, errors } = await openPage(browser, url);
    await waitForReady(page, errors);
    await page.close();
    // Cargo writes thousands of files there on every build (vite-plugin-rsw#24).
    const target = path.join(dir, "crate/target");
    expect(fs.existsSync(path.join(target, "wasm32-unknown-unknown"))).toBe(true);
    fs.mkdirSync(path.join(target, "probe"), { recursive: true });
    fs.writeFileSync(path.join(target, "probe/file.txt"), "x");
    await new Promise((resolve) => setTimeout(resolve, 500));
    const watched = Object.keys(server.watcher.getWatched());
    expect(watched).toContain(path.join(dir, "crate/src"));
    expect(watched.filter((folder) => folder === target || folder.startsWith(`${target}${path.sep}`))).toEqual([]);
  });

  test("saving a .rs file rebuilds the crate and the page shows the new behaviour", async () => {
    const { page, errors } = await openPage(browser, url);
    await waitForReady(page, errors);
    editFile(path.join(dir, "crate/src/lib.rs"), 'format!("Hello, {name}!")', 'format!("Howdy, {name}!")');
    await page.waitForFunction(() => document.getElementById("greet")?.textContent === "Howdy, Ada!", undefined, {
      timeout: 120_000,
    });
    await page.close();
  });

  test("saving Cargo.toml rebuilds the crate", async () => {
    const { page, errors } = await openPage(browser, url);
    await waitForReady(page, errors);
    expect(await text(page, "version")).toBe("0.1.0");
    editFile(path.join(dir, "crate/Cargo.toml"), 'version = "0.1.0"', 'version = "0.1.1"');
    await page.waitForFunction(() => document.getElementById("version")?.textContent === "0.1.1", undefined, {
      timeout: 120_000,
    });
    expect(await text(page, "add")).toBe("42");
  });

  test("a Rust compile error shows rustc's diagnostics, the server survives, and fixing it recovers", async () => {
    const { page, errors } = await openPage(browser, url);
    await waitForReady(page, errors);
    const lib = path.join(dir, "crate/src/lib.rs");
    editFile(lib, "    a + b\n", '    let wrong: i32 = "text";\n    a + b + wrong\n');
    const overlay = page.locator("vite-error-overlay");
    await overlay.waitFor({ state: "attached", timeout: 120_000 });
    const message = await overlay.evaluate((el) => el.shadowRoot?.textContent ?? "");
    expect(message).toContain("error[E0308]: mismatched types");
    expect(message).toContain("src/lib.rs");

    editFile(lib, '    let wrong: i32 = "text";\n    a + b + wrong\n', "    a + b + 1\n");
    await page.waitForFunction(() => document.getElementById("add")?.textContent === "43", undefined, {
      timeout: 120_000,
    });
    expect(await page.locator("vite-error-overlay").count()).toBe(0);
  });
});
