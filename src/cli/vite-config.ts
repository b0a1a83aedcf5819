import fs from "node:fs";
import path from "node:path";
import type { Plugin, PluginOption } from "vite";
import type { PluginApi } from "../api.ts";
import type { ResolvedOptions } from "../options.ts";

/** Vite's config file names, in the order Vite looks for them. */
export const VITE_CONFIG_FILES = [
  "vite.config.js",
  "vite.config.mjs",
  "vite.config.ts",
  "vite.config.cjs",
  "vite.config.mts",
  "vite.config.cts",
];

/** The app's Vite config file, if it has one. */
export function findViteConfig(root: string): string | undefined {
  return VITE_CONFIG_FILES.map((name) => path.join(root, name)).find((file) => fs.existsSync(file));
}

/**
 * The options the app gives the plugin in its Vite config, read by loading the config
 * with Vite itself (so TypeScript configs and their imports work), or undefined when
 * there is no config, no Vite, or no vite-plugin-crate in it. Loaded as for `vite build`:
 * builds are where committed declarations are checked, so a config that picks features
 * by command gets the types its builds check against.
 */
export async function pluginOptionsFromViteConfig(root: string): Promise<ResolvedOptions | undefined> {
  const file = findViteConfig(root);
  if (!file) return undefined;
  let vite: typeof import("vite");
  try {
    vite = await import("vite");
  } catch {
    return undefined; // a Rollup project: its options are not ours to read
  }
  const loaded = await vite.loadConfigFromFile({ command: "build", mode: "production" }, file, root, "silent");
  const plugins = await flatten(loaded?.config.plugins ?? []);
  const ours = plugins.find((plugin): plugin is Plugin & { api: PluginApi } =>
    plugin.name === "vite-plugin-crate:config" && "api" in plugin,
  );
  return ours?.api.options;
}

/** Vite's plugin option: nested arrays, promises and falsy entries, flattened. */
async function flatten(option: PluginOption): Promise<Plugin[]> {
  const value = await option;
  if (!value) return [];
  if (Array.isArray(value)) return (await Promise.all(value.map(flatten))).flat();
  return [value as Plugin];
}
