import path from "node:path";
import { createServer, type ViteDevServer } from "vite";
import { createServer as createVite7Server } from "vite7";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import crate from "../../src/index.ts";
import { copyToTemp, editFile, FIXTURES } from "../helpers/fixtures.ts";

// SSR in the dev server, as frameworks use it: `ssrLoadModule` on every request. The
// crate module runs in Node there, so it reads its wasm from disk; a .rs save must
// reach the next render without restarting anything.
let workspace: string;
const servers: { close(): Promise<void> }[] = [];

beforeAll(() => {
  workspace = copyToTemp(FIXTURES, "ssr-dev");
});
afterAll(async () => {
  for (const server of servers) await server.close();
});

type Render = () => string;

async function render(server: Pick<ViteDevServer, "ssrLoadModule">): Promise<string> {
  const module = (await server.ssrLoadModule("/ssr/entry-server.js")) as { render: Render };
  return module.render();
}

/** Renders until `expected` shows up (a rebuild is under way), failing with the last render. */
async function waitForRender(server: Pick<ViteDevServer, "ssrLoadModule">, expected: string, timeout = 120_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let last = "";
  while (Date.now() < deadline) {
    last = await render(server).catch((error: Error) => `error: ${error.message}`);
    if (last.includes(expected)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the server render never showed ${JSON.stringify(expected)}; last render: ${last}`);
}

/** A middleware-mode dev server over the workspace, as SSR frameworks run one; closed after all. */
async function ssrDevServer(create: typeof createServer): Promise<ViteDevServer> {
  const server = await create({
    root: workspace,
    configFile: false,
    logLevel: "silent",
    appType: "custom",
    server: { middlewareMode: true, hmr: false },
    plugins: [crate()],
  });
  servers.push(server);
  return server;
}

describe("SSR in vite dev", () => {
  test("Vite 8: ssrLoadModule renders with the crate, and a .rs edit shows in the next render", async () => {
    const server = await ssrDevServer(createServer);
    const first = await render(server);
    expect(first).toContain('<p id="greet">Hello, SSR!</p>');
    expect(first).toContain('<p id="six-times">42</p>');
    expect(first).toContain('<p id="loud">HEY!</p>');

    editFile(path.join(workspace, "basic/src/lib.rs"), 'format!("Hello, {name}!")', 'format!("Howdy, {name}!")');
    await waitForRender(server, '<p id="greet">Howdy, SSR!</p>');
    // A path dependency only cargo's dep-info names: its edit reaches the server too.
    editFile(path.join(workspace, "math/src/lib.rs"), "x * 2", "x * 4");
    await waitForRender(server, '<p id="six-times">84</p>');
  });

  test("after a restart (inline config, as after a .env edit) the new server still builds", async () => {
    const server = await ssrDevServer(createServer);
    expect(await render(server)).toContain('<p id="add">42</p>');
    // Vite makes the new server before closing the old one: closing must not stop the
    // new server's builds (it did: every build after a restart was cancelled).
    await server.restart();
    editFile(path.join(workspace, "basic/src/lib.rs"), "a + b", "a + b + 1");
    await waitForRender(server, '<p id="add">43</p>');
  });

  test("Vite 7: ssrLoadModule renders with the crate", async () => {
    const server = await ssrDevServer(createVite7Server as unknown as typeof createServer);
    expect(await render(server)).toContain('<p id="loud">HEY!</p>');
  });
});
