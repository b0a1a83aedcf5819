import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { CHROMIUM_PATH } from "./toolchain.ts";

/**
 * Starts Debian's headless Chromium. The flags keep it from phoning home: this
 * machine's network is closed, and refused background connections slow it down.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A page that records uncaught errors and console errors, for assertions. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  // Only until the navigation commits: a cold cargo build holds the page's load event
  // back longer than goto's 30 s limit on a busy machine. Tests wait for what they
  // check (waitForReady and the like).
  await page.goto(url, { waitUntil: "commit" });
  return { page, errors };
}

/** Waits until the playground (or a fixture) says it is ready, with a useful failure. */
export async function waitForReady(page: Page, errors: string[], timeout = 120_000): Promise<void> {
  try {
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "Ready", undefined, {
      timeout,
    });
  } catch (error) {
    const body = await page.textContent("body").catch(() => "");
    throw new Error(`page never became ready.\nerrors: ${errors.join("\n")}\nbody: ${body}`, { cause: error });
  }
}

/**
 * One Chromium for a test file: launched before its tests, closed after them together
 * with every server handed to `closeAfterAll`. Call at the top level of the file.
 */
export function useBrowser(): { browser: () => Browser; closeAfterAll: (server: { close(): Promise<void> }) => void } {
  let browser: Browser | undefined;
  const servers: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    for (const server of servers) await server.close();
  });
  return {
    browser: () => {
      if (!browser) throw new Error("useBrowser: the browser starts in beforeAll; use it inside tests");
      return browser;
    },
    closeAfterAll: (server) => void servers.push(server),
  };
}
