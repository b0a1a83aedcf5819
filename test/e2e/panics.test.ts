import path from "node:path";
import { describe, expect, test } from "vitest";
import crate from "../../src/index.ts";
import { openPage, useBrowser, waitForReady } from "../helpers/browser.ts";
import { FIXTURES } from "../helpers/fixtures.ts";
import { startDevServer } from "../helpers/servers.ts";

// A Rust panic in vite dev, from a crate without console_error_panic_hook: the plugin
// links its own hook into dev builds (src/panic-hook/) and reports what it is told.
const { browser, closeAfterAll } = useBrowser();

describe("a Rust panic in vite dev", () => {
  test("shows its message, location and Rust functions in the console and the overlay", async () => {
    const { server, url } = await startDevServer({ root: path.join(FIXTURES, "panics-app"), configFile: false, plugins: [crate()] });
    closeAfterAll(server);
    const { page, errors } = await openPage(browser(), url);
    await waitForReady(page, errors, 180_000);
    expect(await page.textContent("#ok")).toBe("2");
    // The caller still gets the trap: the panic aborts the call.
    expect(await page.textContent("#thrown")).toBe("RuntimeError: unreachable");

    const console = errors.join("\n");
    expect(console).toContain("limit exceeded: 42 > 10");
    expect(console).toMatch(/panics[\\/]src[\\/]lib\.rs:8:9/);
    expect(console).toContain("panics::check_limit");

    const overlay = await page.evaluate(() => document.querySelector("vite-error-overlay")?.shadowRoot?.textContent ?? "");
    expect(overlay).toContain("limit exceeded: 42 > 10");
    expect(overlay).toContain("panics::check_limit");
    await page.close();
  });
});
