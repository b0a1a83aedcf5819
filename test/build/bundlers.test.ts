import fs from "node:fs";
import path from "node:path";
import { rollup, type Plugin as RollupPlugin, type RollupLog } from "rollup";
import { build, preview } from "vite";
import { describe, expect, test } from "vitest";
import crate from "../../src/index.ts";
import { openPage, useBrowser, waitForReady } from "../helpers/browser.ts";
import { withEnv } from "../helpers/env.ts";
import { editFile, FIXTURES, SHARED_TARGET, standaloneCrate } from "../helpers/fixtures.ts";
import { tempOutDir } from "../helpers/servers.ts";

// The fixture app imports two workspace members: `basic`, and `snippets`, which
// uses a path dependency, an inline_js snippet and a `module = "/js/…"` snippet.
const APP = path.join(FIXTURES, "app");

const { browser, closeAfterAll } = useBrowser();

/** Serves a folder of built files and checks the fixture app's results in Chromium. */
async function runInBrowser(dir: string): Promise<void> {
  const server = await preview({
    configFile: false,
    root: dir,
    logLevel: "silent",
    build: { outDir: "." },
    preview: { port: 0 },
  });
  closeAfterAll(server);
  const { page, errors } = await openPage(browser(), server.resolvedUrls!.local[0]!);
  await waitForReady(page, errors);
  expect(await page.textContent("#greet")).toBe("Hello, Rollup!");
  expect(await page.textContent("#add")).toBe("42");
  expect(await page.textContent("#six-times")).toBe("42");
  expect(await page.textContent("#loud")).toBe("HEY!");
  expect(errors).toEqual([]);
  await page.close();
}

function wasmAssets(dir: string): string[] {
  return fs.readdirSync(path.join(dir, "assets")).filter((f) => f.endsWith(".wasm"));
}

describe("plain rollup", () => {
  test("bundles both crates with hashed wasm assets that run in the browser", async () => {
    const outDir = tempOutDir("rollup");
    const bundle = await rollup({ input: path.join(APP, "main.js"), plugins: crate() as unknown as RollupPlugin[] });
    await bundle.write({ dir: outDir, format: "es" });
    await bundle.close();
    fs.copyFileSync(path.join(APP, "index.html"), path.join(outDir, "index.html"));

    expect(wasmAssets(outDir).sort()).toEqual([
      expect.stringMatching(/^basic_bg-[\w-]+\.wasm$/),
      expect.stringMatching(/^snippets_bg-[\w-]+\.wasm$/),
    ]);
    for (const file of wasmAssets(outDir)) {
      expect(WebAssembly.validate(fs.readFileSync(path.join(outDir, "assets", file)))).toBe(true);
    }
    await runInBrowser(outDir);
  });

  test("rustc warnings reach onLog as plugin warnings with the lint, file and position; nothing goes to stderr", async () => {
    const dir = standaloneCrate("basic", "warns");
    const lib = path.join(dir, "src/lib.rs");
    editFile(lib, "    a + b\n", "    let unused_here = 1;\n    a + b\n");
    const main = path.join(dir, "main.js");
    fs.writeFileSync(main, 'import { add } from "./Cargo.toml";\nconsole.log(add(1, 2));\n');
    const logs: RollupLog[] = [];
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      written.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof process.stderr.write;
    try {
      const bundle = await withEnv(SHARED_TARGET, () =>
        rollup({
          input: main,
          plugins: crate() as unknown as RollupPlugin[],
          onLog: (level, log) => void (level === "warn" && logs.push(log)),
        }),
      );
      await bundle.close();
    } finally {
      process.stderr.write = write;
    }
    const ours = logs.filter((log) => log.plugin?.startsWith("vite-plugin-crate"));
    expect(ours).toEqual([
      expect.objectContaining({
        code: "PLUGIN_WARNING",
        pluginCode: "unused_variables",
        id: lib,
        loc: { file: lib, line: 10, column: 8 },
      }),
    ]);
    expect(ours[0]!.message).toContain("unused variable: `unused_here`");
    expect(written.join("")).not.toContain("unused_here");
  });
});

describe("vite build", () => {
  test("hook filters: under Vite 8 (Rolldown) the load plugin's handlers see only crate imports, never the app's other modules", async () => {
    const plugins = crate();
    const load = plugins.find((plugin) => plugin.name === "vite-plugin-crate:load")!;
    const seen: Record<"resolveId" | "load" | "renderChunk", string[]> = { resolveId: [], load: [], renderChunk: [] };
    for (const name of Object.keys(seen) as (keyof typeof seen)[]) {
      const hook = load[name] as { filter: unknown; handler: (...args: unknown[]) => unknown };
      expect(hook.filter).toBeDefined();
      const handler = hook.handler;
      hook.handler = function (this: unknown, ...args: unknown[]) {
        seen[name].push(String(args[0]));
        return handler.apply(this, args);
      };
    }
    const outDir = tempOutDir("filtered-build");
    await build({ root: APP, configFile: false, logLevel: "silent", plugins, build: { outDir } });
    // The app's own main.js, Vite's preload helper and the chunks' code never reach us.
    expect(seen.resolveId.length).toBeGreaterThan(0);
    for (const source of seen.resolveId) expect(source).toMatch(/Cargo\.toml|^\0vite-plugin-crate:|^\.\/snippets\/|^node:fs/);
    expect(seen.load.length).toBeGreaterThan(0);
    for (const id of seen.load) expect(id).toMatch(/[\\/]Cargo\.toml$|^\0vite-plugin-crate:/);
    // No chunk of a browser build holds a Node wasm placeholder: renderChunk never runs.
    expect(seen.renderChunk).toEqual([]);
    expect(wasmAssets(outDir)).toHaveLength(2);
  });

  test("an unknown option is a bundler warning, not a line on stderr", async () => {
    const root = tempOutDir("unknown-option");
    fs.writeFileSync(path.join(root, "main.js"), "console.log(1);\n");
    const logs: RollupLog[] = [];
    const bundle = await rollup({
      input: path.join(root, "main.js"),
      plugins: crate({ wasmOpts: false } as never) as unknown as RollupPlugin[],
      onLog: (level, log) => void (level === "warn" && logs.push(log)),
    });
    await bundle.close();
    expect(logs).toEqual([expect.objectContaining({ plugin: "vite-plugin-crate:load", pluginCode: "UNKNOWN_OPTION" })]);
    expect(logs[0]!.message).toContain("unknown option(s) wasmOpts");
  });

  test("snippets and path dependencies are bundled and the output runs", async () => {
    const outDir = tempOutDir("vite-build");
    await build({ root: APP, configFile: false, logLevel: "silent", plugins: [crate()], build: { outDir } });
    expect(wasmAssets(outDir)).toHaveLength(2);
    await runInBrowser(outDir);
  });

  test("an import through an alias is handled", async () => {
    const root = tempOutDir("alias-app");
    fs.copyFileSync(path.join(APP, "index.html"), path.join(root, "index.html"));
    const main = fs.readFileSync(path.join(APP, "main.js"), "utf8").replaceAll("../", "@crates/");
    fs.writeFileSync(path.join(root, "main.js"), main);
    await build({
      root,
      configFile: false,
      logLevel: "silent",
      resolve: { alias: { "@crates": FIXTURES } },
      plugins: [crate()],
      build: { outDir: "dist" },
    });
    await runInBrowser(path.join(root, "dist"));
  });

  test("inlineWasm embeds the wasm as base64 and emits no .wasm file", async () => {
    const outDir = tempOutDir("vite-inline");
    await build({
      root: APP,
      configFile: false,
      logLevel: "silent",
      plugins: [crate({ inlineWasm: true })],
      build: { outDir },
    });
    expect(wasmAssets(outDir)).toEqual([]);
    await runInBrowser(outDir);
  });
});
