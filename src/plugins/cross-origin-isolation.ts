import type { Plugin } from "vite";
import type { PluginApi } from "../api.ts";
import { crossOriginIsolationMiddleware } from "../dev-server/cross-origin-isolation-middleware.ts";

/**
 * Makes dev and preview pages cross-origin isolated (COOP/COEP on every response),
 * so `SharedArrayBuffer` and wasm threads work without extra setup.
 */
export function crossOriginIsolationPlugin(api: PluginApi): Plugin {
  return {
    name: "vite-plugin-crate:cross-origin-isolation",
    configureServer(server) {
      const policy = api.options.crossOriginIsolation;
      if (policy) server.middlewares.use(crossOriginIsolationMiddleware(policy));
    },
    configurePreviewServer(server) {
      const policy = api.options.crossOriginIsolation;
      if (policy) server.middlewares.use(crossOriginIsolationMiddleware(policy));
    },
  };
}
