import fs from "node:fs";
import path from "node:path";
import { build } from "vite";
import type { PluginApi } from "../../src/api.ts";
import crate, { type Options } from "../../src/index.ts";
import { captureLogger } from "./capture-logger.ts";
import { FIXTURES } from "./fixtures.ts";

/** The crate the production build tests build: one `greet` export. */
export const BASIC_MANIFEST = path.join(FIXTURES, "basic/Cargo.toml");

/**
 * `vite build` of a one-file app calling the basic crate, in `root` (into root/dist),
 * with a Vite cache of its own (so a new root starts with an empty plugin cache).
 * Returns what the logger got and the plugin's api. Env vars are the caller's to set:
 * options read them as a config file would.
 */
export async function buildBasicApp(root: string, options: Options): Promise<{ log: string; api: PluginApi }> {
  fs.writeFileSync(path.join(root, "index.html"), '<script type="module" src="./main.js"></script>');
  fs.writeFileSync(path.join(root, "main.js"), `import { greet } from ${JSON.stringify(BASIC_MANIFEST)};\nconsole.log(greet("x"));\n`);
  const logger = captureLogger();
  const plugins = crate(options);
  await build({
    root,
    configFile: false,
    logLevel: "info",
    customLogger: logger,
    plugins,
    cacheDir: path.join(root, ".vite"),
    build: { outDir: "dist", emptyOutDir: true },
  });
  return { log: logger.lines.join("\n"), api: (plugins[0] as unknown as { api: PluginApi }).api };
}
