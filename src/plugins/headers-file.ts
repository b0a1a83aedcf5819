import fs from "node:fs/promises";
import path from "node:path";
import type { Plugin } from "vite";
import type { PluginApi } from "../api.ts";
import { headersFileContent } from "../report/headers-file.ts";
import { isPageBuild } from "./page-build.ts";

/**
 * Writes `_headers` into the build output (the `headersFile` option) so hosts that
 * read it serve the wasm as application/wasm and the pages cross-origin isolated.
 */
export function headersFilePlugin(api: PluginApi): Plugin {
  return {
    name: "vite-plugin-crate:headers-file",
    apply: "build",

    async generateBundle() {
      const shipped = api.shipped.get(this);
      if (!api.options.headersFile || shipped.size === 0 || !isPageBuild(this, api)) return;
      const { publicDir } = api.settings;
      // A relative base ("./") says nothing of where the site lives: assume its root.
      const base = api.settings.base.startsWith("/") ? api.settings.base : "/";
      const wasmPaths = [...shipped.values()]
        .flatMap(({ wasmFile }) => (wasmFile && "referenceId" in wasmFile ? [`${base}${this.getFileName(wasmFile.referenceId)}`] : []));
      // Vite copies public/_headers before writing the bundle; ours replaces it, so keep its rules.
      const existing = publicDir
        ? await fs.readFile(path.join(publicDir, "_headers"), "utf8").catch(() => undefined)
        : undefined;
      this.emitFile({
        type: "asset",
        fileName: "_headers",
        source: headersFileContent({ wasmPaths, base, crossOriginIsolation: api.options.crossOriginIsolation, existing }),
      });
    },
  };
}
