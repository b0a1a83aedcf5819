import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, test } from "vitest";
import { freePorts, startAppServer, type AppServer } from "../helpers/app-server.ts";
import { openPage, useBrowser } from "../helpers/browser.ts";
import { editFile, FIXTURES } from "../helpers/fixtures.ts";
import { freshDir, installWithPlugin, packPlugin, prependLine, runStep, timed } from "../helpers/scaffold.ts";

// The plugin as a user meets it: apps made by their own scaffolders, the plugin
// installed from the tarball `npm pack` makes, and every server started through the
// app's own scripts. Each app renders the crate's `greet` on the server (checked in the
// raw HTML) and calls it again in the browser.

/** The fixture copied into each app; its lib.rs formats `"<word>, <name>!"`. */
const CRATE_FIXTURE = path.join(FIXTURES, "ssr-crate");
/** A cold dev render waits for a cold cargo build of wasm-bindgen and its macros. */
const RENDER_TIMEOUT = 240_000;
const PAGE_TIMEOUT = 120_000;

interface App {
  name: string;
  dir: string;
  /** The folder holding the crate's Cargo.toml. */
  crate: string;
}

const { browser, closeAfterAll } = useBrowser();
let apps: Promise<{ vanilla: App; kit: App }>;

// Each test awaits `apps`, so a failed setup fails every test with its error (a
// throwing beforeAll would only mark them skipped).
beforeAll(async () => {
  apps = createApps();
  await apps.catch(() => undefined);
});

async function createApps(): Promise<{ vanilla: App; kit: App }> {
  const work = freshDir("scaffolded-ssr");
  const tarball = await packPlugin(work);
  // npm spends most of an install waiting on the registry and unpacking: both apps at
  // once (about 25 s each here, not 50 s in a row).
  const [vanilla, kit] = await Promise.all([createVanillaSsrApp(work, tarball), createSvelteKitApp(work, tarball)]);
  return { vanilla, kit };
}

describe("create-vite-extra ssr-vanilla-ts (Express + Vite middleware mode)", () => {
  test("npm run dev: server render, page, and a .rs save reaching both", async () => {
    const { vanilla } = await apps;
    const [port, hmrPort] = await freePorts(2);
    const server = await startServer(vanilla, ["npm", "run", "dev"], port, {
      PORT: String(port),
      HMR_PORT: String(hmrPort),
    });
    try {
      await expectDevLoop(vanilla, server);
    } finally {
      await server.close();
    }
  }, 360_000);

  // The template's build script type-checks first (`tsc && …`), which needs the
  // Cargo.toml.d.ts that the dev run above wrote (README, "Types").
  test("npm run build, then npm run preview: the server bundle runs under plain node", async () => {
    const { vanilla } = await apps;
    setGreeting(vanilla, "Hola");
    await runStep("npm run build (ssr-vanilla-ts)", "npm", ["run", "build"], { cwd: vanilla.dir });
    const serverDir = path.join(vanilla.dir, "dist/server");
    // The server bundle carries the wasm inside (nodeWasm: "inline", the default).
    const serverWasm = filesUnder(serverDir).filter((file) => file.endsWith(".wasm"));
    expect.soft(serverWasm, "wasm files in the server output").toEqual([]);
    // Vite and the plugin are installed here, so a bundle that imported them would
    // still run: check it needs nothing but Node.
    const imports = importedSpecifiers(path.join(serverDir, "entry-server.js"));
    const packages = imports.filter((specifier) => !specifier.startsWith("node:"));
    expect.soft(packages, "the server bundle's imports").toEqual([]);

    const [port] = await freePorts(1);
    const server = await startServer(vanilla, ["npm", "run", "preview"], port, { PORT: String(port) });
    try {
      await expectProductionPage(server, "Hola");
    } finally {
      await server.close();
    }
  }, 360_000);
});

describe("sv create (SvelteKit minimal, TypeScript, adapter-node)", () => {
  test("npm run dev: server load, hydrated page, and a .rs save reaching both", async () => {
    const { kit } = await apps;
    const [port] = await freePorts(1);
    const server = await startServer(kit, ["npm", "run", "dev", "--", "--port", String(port), "--strictPort"], port);
    try {
      await expectDevLoop(kit, server);
    } finally {
      await server.close();
    }
  }, 360_000);

  test("npm run build, then node build", async () => {
    const { kit } = await apps;
    setGreeting(kit, "Hola");
    await runStep("npm run build (sveltekit)", "npm", ["run", "build"], { cwd: kit.dir });
    const [port] = await freePorts(1);
    const server = await startServer(kit, ["node", "build"], port, { PORT: String(port) });
    try {
      await expectProductionPage(server, "Hola");
    } finally {
      await server.close();
    }
  }, 360_000);
});

/**
 * create-vite-extra's vanilla SSR template: server.js is an Express app that runs Vite
 * in middleware mode and `ssrLoadModule`s src/entry-server.ts in dev, and imports
 * dist/server/entry-server.js (no Vite) when NODE_ENV=production (`npm run preview`).
 */
async function createVanillaSsrApp(work: string, tarball: string): Promise<App> {
  const dir = path.join(work, "vanilla");
  const app: App = { name: "ssr-vanilla-ts", dir, crate: path.join(dir, "crate") };
  // A relative name: create-vite-extra joins even an absolute path onto the cwd.
  await runStep("npm create vite-extra (ssr-vanilla-ts)", "npm", [
    "create", "-y", "vite-extra@5", "vanilla", "--", "--template", "ssr-vanilla-ts", "--no-interactive",
  ], { cwd: work });
  fs.cpSync(CRATE_FIXTURE, app.crate, { recursive: true });
  const file = (name: string) => path.join(app.dir, name);

  prependLine(file("vite.config.ts"), "import crate from 'vite-plugin-crate'");
  // Middleware mode opens its HMR websocket on a port of its own, 24678 unless told:
  // the test gives it a free one, since any other middleware-mode Vite on the machine
  // (another test run) would hold 24678 and leave the page without hot updates.
  editFile(
    file("vite.config.ts"),
    "  build: {",
    "  plugins: [crate()],\n  server: { hmr: { port: Number(process.env.HMR_PORT) || undefined } },\n  build: {",
  );

  // entry-server.ts runs only on the server: its greeting proves the server ran Rust.
  prependLine(file("src/entry-server.ts"), "import { greet } from '../crate/Cargo.toml'");
  editFile(
    file("src/entry-server.ts"),
    "return _render()",
    "const { html } = _render()\n" +
      "  return { html: `<p id=\"ssr\">${greet('server')}</p><p id=\"client\"></p>${html}` }",
  );

  // The README's pattern for hot updates: show results again on the plugin's event.
  prependLine(file("src/entry-client.ts"), "import { greet } from '../crate/Cargo.toml'");
  fs.appendFileSync(
    file("src/entry-client.ts"),
    `
const showGreeting = () => {
  document.querySelector('#client')!.textContent = greet('client')
}
showGreeting()
window.addEventListener('vite-plugin-crate:update', showGreeting)
`,
  );

  await installWithPlugin(app.dir, tarball);
  return app;
}

/**
 * `sv create` with adapter-node. sv 0.17 puts the kit options (adapter included) in
 * vite.config.ts; there is no svelte.config.js. The crate lives in src/lib, SvelteKit's
 * place for shared code, imported through the `$lib` alias.
 */
async function createSvelteKitApp(work: string, tarball: string): Promise<App> {
  const dir = path.join(work, "sveltekit");
  const app: App = { name: "sveltekit", dir, crate: path.join(dir, "src/lib/crate") };
  // Every choice given, so sv asks nothing. --no-install: the dependencies go in with
  // the plugin's tarball in one npm run (installWithPlugin), as for the other app.
  await runStep("sv create (minimal, ts, adapter-node)", "npm", [
    "exec", "-y", "sv@0.17", "--", "create", "sveltekit",
    "--template", "minimal", "--types", "ts", "--add", "sveltekit-adapter=adapter:node", "--no-install",
  ], { cwd: work });
  fs.cpSync(CRATE_FIXTURE, app.crate, { recursive: true });
  const file = (name: string) => path.join(app.dir, name);

  prependLine(file("vite.config.ts"), "import crate from 'vite-plugin-crate';");
  editFile(file("vite.config.ts"), "\tplugins: [\n", "\tplugins: [\n\t\tcrate(),\n");

  // A server load runs only on the server; the page also calls Rust once hydrated.
  fs.writeFileSync(
    file("src/routes/+page.server.ts"),
    `import { greet } from '$lib/crate/Cargo.toml';

export const load = () => ({ ssr: greet('server') });
`,
  );
  fs.writeFileSync(
    file("src/routes/+page.svelte"),
    `<script lang="ts">
	import { onMount } from 'svelte';
	import { greet } from '$lib/crate/Cargo.toml';

	let { data } = $props();
	let client = $state('');

	onMount(() => {
		const show = () => (client = greet('client'));
		show();
		window.addEventListener('vite-plugin-crate:update', show);
		return () => window.removeEventListener('vite-plugin-crate:update', show);
	});
</script>

<p id="ssr">{data.ssr}</p>
<p id="client">{client}</p>
`,
  );

  await installWithPlugin(app.dir, tarball);
  return app;
}

/**
 * The dev edit loop: the first render (a cold cargo build), the page, then a save of
 * lib.rs that must reach the open page as a hot update and the next server render.
 */
async function expectDevLoop(app: App, server: AppServer): Promise<void> {
  await timed(`${app.name} dev: first server render`, () => expectServerRendered(server, "Hello, server!"));
  const { page, errors } = await openAppPage(server);
  await expectPageText(page, errors, server, "Hello, client!");

  await page.evaluate(() => ((window as unknown as { beforeEdit: boolean }).beforeEdit = true));
  setGreeting(app, "Howdy");
  await timed(`${app.name} dev: .rs save to page`, () => expectPageText(page, errors, server, "Howdy, client!"));
  const hotUpdated = await page.evaluate(() => (window as unknown as { beforeEdit?: boolean }).beforeEdit === true);
  expect.soft(hotUpdated, `the page reloaded instead of hot-updating\n${server.report()}`).toBe(true);
  // The page has the new wasm, so the build is done: the very next render must use it.
  await expectServerRendered(server, "Howdy, server!");

  await page.reload();
  await expectPageText(page, errors, server, "Howdy, client!");
  expect(errors, `errors on the page\n${server.report()}`).toEqual([]);
  await page.close();
}

/** A production server: the server-rendered greeting, then the page's own call. */
async function expectProductionPage(server: AppServer, word: string): Promise<void> {
  await expectServerRendered(server, `${word}, server!`);
  const { page, errors } = await openAppPage(server);
  await expectPageText(page, errors, server, `${word}, client!`);
  expect(errors, `errors on the page\n${server.report()}`).toEqual([]);
  await page.close();
}

/** Starts one of the app's servers; the browser helper stops it after all tests at the latest. */
async function startServer(
  app: App,
  [program, ...args]: string[],
  port: number,
  env?: Record<string, string>,
): Promise<AppServer> {
  const label = `${app.name}: ${[program, ...args].join(" ")}`;
  const server = await timed(`${label} listening`, () =>
    startAppServer(label, program!, args, { cwd: app.dir, port, env }),
  );
  closeAfterAll(server);
  return server;
}

/** Rewrites the greeting's first word in the app's lib.rs, whatever it is now. */
function setGreeting(app: App, word: string): void {
  editFile(path.join(app.crate, "src/lib.rs"), /format!\("\w+, \{name\}!"\)/, `format!("${word}, {name}!")`);
}

/** Checks `#ssr` in the page's raw HTML, as the server sent it (not the hydrated DOM). */
async function expectServerRendered(server: AppServer, expected: string): Promise<void> {
  const response = await fetch(server.url, { signal: AbortSignal.timeout(RENDER_TIMEOUT) });
  const html = await response.text();
  // An error page says why; a page that rendered is quoted around the element only
  // (the apps inline SVGs as long data: URLs).
  const at = html.indexOf('id="ssr"');
  const quote = response.ok && at >= 0 ? html.slice(Math.max(0, at - 200), at + 300) : html.slice(0, 4000);
  expect(
    elementText(html, "ssr"),
    `#ssr in the HTML of GET ${server.url} (status ${response.status}):\n${quote}\n${server.report()}`,
  ).toBe(expected);
}

/** The text of the element with this id in raw HTML, without Svelte's hydration comments. */
function elementText(html: string, id: string): string | undefined {
  const element = new RegExp(`<(\\w+)[^>]*\\sid="${id}"[^>]*>([\\s\\S]*?)</\\1>`).exec(html);
  return element?.[2]!.replace(/<!--[\s\S]*?-->/g, "");
}

/** Opens the app's page in Chromium; a failed load says what the server printed. */
async function openAppPage(server: AppServer): Promise<{ page: Page; errors: string[] }> {
  try {
    return await openPage(browser(), server.url);
  } catch (error) {
    throw new Error(`the page at ${server.url} did not load.\n${server.report()}`, { cause: error });
  }
}

/** Waits for `#client` to show a text, failing with what it shows and the server's output. */
async function expectPageText(page: Page, errors: string[], server: AppServer, expected: string): Promise<void> {
  try {
    await page.waitForFunction((text) => document.getElementById("client")?.textContent === text, expected, {
      timeout: PAGE_TIMEOUT,
    });
  } catch (error) {
    const shown = await page.evaluate(() => document.getElementById("client")?.textContent).catch(() => "(no page)");
    throw new Error(
      `#client never showed ${JSON.stringify(expected)}; it shows ${JSON.stringify(shown)}.\n` +
        `page errors:\n${errors.join("\n")}\n${server.report()}`,
      { cause: error },
    );
  }
}

/** What an ES module imports, statically or dynamically (a bundle's externals). */
function importedSpecifiers(file: string): string[] {
  const code = fs.readFileSync(file, "utf8");
  // Not `Buffer.from("…")`: the inlined wasm is decoded with it.
  const specifiers = code.matchAll(/(?<![.\w])(?:from|import)\s*\(?\s*["']([^"']+)["']/g);
  return [...specifiers].map((match) => match[1]!);
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).map((file) => path.join(dir, file));
}
