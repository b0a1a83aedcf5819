import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { openPage, useBrowser, waitForReady } from "../helpers/browser.ts";
import { REPO_ROOT } from "../helpers/fixtures.ts";
import { buildAndPreview } from "../helpers/servers.ts";

const { browser, closeAfterAll } = useBrowser();

// `vite build && vite preview` of the playground, as a user deploys it, under each
// kind of base a host may need.
describe.each(["/", "/sub/", "./"])("playground built with base %j", (base) => {
  test("the page works, the wasm is a hashed application/wasm asset, the page is isolated", async () => {
    const { preview, url, outDir } = await buildAndPreview({
      configFile: path.join(REPO_ROOT, "vite.config.ts"),
      base,
    });
    closeAfterAll(preview);

    const assets = fs.readdirSync(path.join(outDir, "assets"));
    const wasmFiles = assets.filter((f) => f.endsWith(".wasm"));
    expect(wasmFiles).toHaveLength(1);
    expect(wasmFiles[0]).toMatch(/^playground_crate_bg-[\w-]{8}\.wasm$/);
    // No base64 copy of the wasm in the JS (the page's and the worker's bundles): "\0asm" is "AGFzbQ".
    const js = assets.filter((f) => f.endsWith(".js")).map((f) => fs.readFileSync(path.join(outDir, "assets", f), "utf8"));
    expect(js.length).toBe(2);
    for (const code of js) expect(code).not.toContain("AGFzbQ");

    const { page, errors } = await openPage(browser(), "about:blank");
    const wasmResponse = page.waitForResponse((r) => r.url().endsWith(".wasm"));
    await page.goto(url);
    await waitForReady(page, errors);
    const response = await wasmResponse;
    expect(new URL(response.url()).pathname).toBe(`${base === "./" ? "/" : base}assets/${wasmFiles[0]}`);
    expect(response.headers()["content-type"]).toBe("application/wasm");
    expect(await page.textContent("#greet")).toBe("Hello, Ada!");
    expect(await page.textContent("#invert")).toBe("255,0,240");
    expect(await page.textContent("#percent-error")).toBe('not a percentage: "lots"');
    // The worker bundle found the same wasm asset under this base.
    expect(await page.textContent("#worker")).toBe("Hello, worker! 42");
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
