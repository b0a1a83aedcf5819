import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import crate from "../../src/index.ts";
import { openPage, useBrowser, waitForReady } from "../helpers/browser.ts";
import { copyToTemp, editFile, FIXTURES } from "../helpers/fixtures.ts";
import { startDevServer } from "../helpers/servers.ts";

// The fixture workspace in `vite dev`: snippets served from memory, a path dependency
// whose edit must reach the page, and the cross-origin isolation option.
let workspace: string;
const { browser, closeAfterAll } = useBrowser();

beforeAll(() => {
  workspace = copyToTemp(FIXTURES, "fixtures");
});

async function devServer(options: Parameters<typeof crate>[0] = {}) {
  const { server, url } = await startDevServer({ root: path.join(workspace, "app"), configFile: false, plugins: [crate(options)] });
  closeAfterAll(server);
  return url;
}

describe("fixture workspace in vite dev", () => {
  test("snippets are served, and editing a path dependency updates the page", async () => {
    const url = await devServer();
    const { page, errors } = await openPage(browser(), url);
    await waitForReady(page, errors, 180_000);
    expect(await page.textContent("#six-times")).toBe("42"); // path dep + inline_js snippet
    expect(await page.textContent("#loud")).toBe("HEY!"); // module = "/js/shout.js" snippet
    expect(errors).toEqual([]);

    // `math` is not imported by the app: only cargo's dep-info says `snippets` uses it.
    editFile(path.join(workspace, "math/src/lib.rs"), "x * 2", "x * 4");
    await page.waitForFunction(() => document.getElementById("six-times")?.textContent === "84", undefined, {
      timeout: 120_000,
    });
    await page.close();
  });

  test.each([
    [false, undefined, false],
    ["credentialless", "credentialless", true],
  ] as const)("crossOriginIsolation: %j", async (option, coep, isolated) => {
    const url = await devServer({ crossOriginIsolation: option });
    const { page, errors } = await openPage(browser(), "about:blank");
    const response = await page.goto(url);
    await waitForReady(page, errors, 180_000);
    expect(response!.headers()["cross-origin-embedder-policy"]).toBe(coep);
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(isolated);
    await page.close();
  });
});

test("the dev wasm route under hostile URLs: a 4xx every time, never a file", async () => {
  const url = await devServer();
  const { page, errors } = await openPage(browser(), url);
  await waitForReady(page, errors, 180_000);
  const served = await page.evaluate(() =>
    performance.getEntriesByType("resource").map((entry) => new URL(entry.name).pathname).filter((p) => p.endsWith(".wasm")),
  );
  await page.close();
  const valid = served[0]!;
  expect(valid).toMatch(/^\/@vite-plugin-crate\/.+\.wasm$/);
  const prefix = "/@vite-plugin-crate/";
  const ok = await rawGet(url, valid);
  expect(ok.status).toBe(200);
  expect(ok.head).toMatch(/content-type: application\/wasm/i);

  // The URL of a build that never happened: the same crate, another hash.
  const unknownHash = valid.replace(/[0-9a-f]{8}(?=[^/]*$)/, "00000000");
  expect(unknownHash).not.toBe(valid);
  const hostile = [
    `${prefix}../../package.json`,
    `${prefix}..%2f..%2fpackage.json`,
    `${prefix}%2e%2e/%2e%2e/package.json`,
    `${prefix}..\\..\\package.json`,
    `${valid}/../../../basic/Cargo.toml`,
    unknownHash,
    `${prefix}${"a".repeat(6000)}.wasm`,
    `${prefix}basic%00.wasm`,
    `${prefix}`,
  ];
  for (const target of hostile) {
    const response = await rawGet(url, target);
    expect(response.status, target.slice(0, 80)).toBeGreaterThanOrEqual(400);
    expect(response.status, target.slice(0, 80)).toBeLessThan(500);
    // Nothing from the disk: no package.json, no manifest, no wasm.
    expect(response.body).not.toMatch(/"name"|\[package\]|\0asm/);
  }
});

/** One GET sent as raw bytes (no client-side normalization of `..` or `%2e`); status, head and body. */
async function rawGet(base: string, target: string): Promise<{ status: number; head: string; body: string }> {
  const { hostname, port } = new URL(base);
  const socket = net.connect(Number(port), hostname);
  const chunks: Buffer[] = [];
  socket.on("data", (chunk) => chunks.push(chunk));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`);
  await new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const text = Buffer.concat(chunks).toString("latin1");
  const [head = "", body = ""] = text.split("\r\n\r\n", 2);
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body };
}

test("the generated declarations of a copied workspace stay beside its manifests", () => {
  // Written by the dev builds above: one per imported crate, none for the path dependency.
  expect(fs.existsSync(path.join(workspace, "basic/Cargo.toml.d.ts"))).toBe(true);
  expect(fs.existsSync(path.join(workspace, "snippets/Cargo.toml.d.ts"))).toBe(true);
  expect(fs.existsSync(path.join(workspace, "math/Cargo.toml.d.ts"))).toBe(false);
});

test("a crate outside server.fs.allow is refused with the fix", async () => {
  const app = path.join(workspace, "app");
  const { server, url } = await startDevServer({
    root: app,
    configFile: false,
    plugins: [crate()],
    server: { fs: { allow: [app] } },
  });
  closeAfterAll(server);
  const manifest = path.join(workspace, "basic/Cargo.toml");
  // The URL the page's import of ../basic/Cargo.toml turns into.
  const response = await fetch(`${url}@fs${manifest}?import`);
  expect(response.status).not.toBe(200);
  const body = await response.text();
  expect(body).toContain("server.fs.allow");
});
