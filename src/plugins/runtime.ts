import type { PluginApi } from "../api.ts";

/**
 * Does the module being loaded run in Node rather than a browser? The `target`
 * option decides when set (plain Rollup has no other way to know); under Vitest,
 * always (test files run in Node even in DOM environments); otherwise the Vite
 * environment's consumer, as Vite's own wasm plugin does. Plain Rollup, with no
 * environments and no target, builds for the web.
 */
export function runsInNode(context: object, api: PluginApi): boolean {
  if (api.options.target) return api.options.target === "node";
  if (api.settings.modulesRunInNode) return true;
  const { environment } = context as { environment?: { config: { consumer: "client" | "server" } } };
  return environment?.config.consumer === "server";
}

/** Is this load for a browser page of the dev server (served wasm, hot updates)? */
export function isBrowserDev(api: PluginApi, inNode: boolean): boolean {
  return api.settings.command === "serve" && api.dev !== undefined && !inNode;
}
