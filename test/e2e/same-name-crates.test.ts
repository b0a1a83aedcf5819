import fs from "node:fs";
import path from "node:path";
import { build, preview } from "vite";
import { expect, test } from "vitest";
import crate from "../../src/index.ts";
import { openPage, useBrowser, waitForReady } from "../helpers/browser.ts";
import { captureLogger } from "../helpers/capture-logger.ts";
import { FIXTURES, TMP } from "../helpers/fixtures.ts";
import { startDevServer } from "../helpers/servers.ts";

// Two workspaces that each have a crate of the same name (`engine`), imported by one
// app. The manifest path is a crate's identity, so their dev URLs, glue ids and output
// folders must not collide, even when both build into one cargo target dir.
const { browser, closeAfterAll } = useBrowser();

/**
 * A workspace at `root` whose member `member` (a relative path) is an `engine` crate
 * whose greet() says `who`. The two workspaces keep their crate at different relative
 * paths: cargo itself tells packages apart by their path relative to the workspace
 * root, so two at the same relative path would share cargo's fingerprint in a shared
 * target dir, whatever the plugin does.
 */
function engineWorkspace(root: string, member: string, who: string): void {
  const dir = path.join(root, member);
  fs.mkdirSync(path.join(dir, "src"), { recursive: true });
  fs.writeFileSync(path.join(root, "Cargo.toml"), `[workspace]\nmembers = [${JSON.stringify(member)}]\nresolver = "2"\n`);
  fs.writeFileSync(
    path.join(dir, "Cargo.toml"),
    '[package]\nname = "engine"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n\n[dependencies]\nwasm-bindgen = "=0.2.130"\n',
  );
  fs.writeFileSync(
    path.join(dir, "src/lib.rs"),
    `use wasm_bindgen::prelude::*;\n\n#[wasm_bindgen]\npub fn greet() -> String {\n    "engine of ${who}".into()\n}\n`,
  );
  // The fixtures' lock pins wasm-bindgen and its dependencies: nothing resolves anew.
  fs.copyFileSync(path.join(FIXTURES, "Cargo.lock"), path.join(root, "Cargo.lock"));
}

/** An app at a fresh folder importing both `engine` crates; they share one target dir. */
function sameNameApp(): string {
  fs.mkdirSync(TMP, { recursive: true });
  const root = fs.mkdtempSync(path.join(TMP, "same-name-"));
  engineWorkspace(path.join(root, "one"), "engine", "one");
  engineWorkspace(path.join(root, "two"), "crates/engine", "two");
  // One target dir for both (the fixtures', already warm): the harder case, where
  // cargo writes both crates' artifacts to the same engine.wasm.
  fs.mkdirSync(path.join(root, ".cargo"));
  fs.writeFileSync(path.join(root, ".cargo/config.toml"), `[build]\ntarget-dir = ${JSON.stringify(path.join(FIXTURES, "target"))}\n`);
  fs.writeFileSync(
    path.join(root, "index.html"),
    '<!doctype html><link rel="icon" href="data:,"><p id="status">loading</p><p id="one"></p><p id="two"></p><script type="module" src="./main.js"></script>',
  );
  fs.writeFileSync(
    path.join(root, "main.js"),
    'import { greet as one } from "./one/engine/Cargo.toml";\nimport { greet as two } from "./two/crates/engine/Cargo.toml";\n' +
      'document.getElementById("one").textContent = one();\ndocument.getElementById("two").textContent = two();\n' +
      'document.getElementById("status").textContent = "Ready";\n',
  );
  return root;
}

async function expectBothEngines(url: string): Promise<void> {
  const { page, errors } = await openPage(browser(), url);
  await waitForReady(page, errors, 180_000);
  expect(await page.textContent("#one")).toBe("engine of one");
  expect(await page.textContent("#two")).toBe("engine of two");
  expect(errors).toEqual([]);
  await page.close();
}

test("two crates with one name both work in vite dev", async () => {
  const { server, url } = await startDevServer({ root: sameNameApp(), configFile: false, plugins: [crate()] });
  closeAfterAll(server);
  await expectBothEngines(url);
});

test("two crates with one name: vite build ships both, and the size report tells them apart", async () => {
  const root = sameNameApp();
  const logger = captureLogger();
  await build({ root, configFile: false, logLevel: "info", customLogger: logger, plugins: [crate()], build: { outDir: "dist" } });
  const wasm = fs.readdirSync(path.join(root, "dist/assets")).filter((file) => file.endsWith(".wasm"));
  expect(wasm).toHaveLength(2);
  const report = logger.lines.find((line) => line.includes("wasm sizes")) ?? "";
  // Same package name twice: each row names its crate id (lib name + manifest path hash).
  expect(report.match(/^engine \(engine-[0-9a-f]{8}\)/gm)?.length, report).toBe(4);
  const server = await preview({ root, configFile: false, logLevel: "silent", build: { outDir: "dist" }, preview: { port: 0 } });
  closeAfterAll(server);
  await expectBothEngines(server.resolvedUrls!.local[0]!);
});
