import fs from "node:fs";
import path from "node:path";
import type { Plugin } from "vite";
import type { PluginApi } from "../api.ts";
import { DEV_WASM_PREFIX } from "../api.ts";
import { crateModuleCode, type WasmSource } from "../codegen/crate-module.ts";
import { exportNames } from "../codegen/export-names.ts";
import { GLUE_ID_PREFIX, type CrateOutput } from "../crate-builder.ts";
import { CrateError, toRollupError } from "../utils/error.ts";

const MANIFEST_RE = /(^|[\\/])Cargo\.toml$/;

function stripQuery(id: string): string {
  return id.replace(/[?#].*$/, "");
}

/**
 * Resolves imports of Cargo.toml files and loads them as ESM modules of the crate's
 * exports; also resolves and loads the generated glue and snippet modules. Works the
 * same under Vite (dev and build) and plain Rollup.
 */
export function loadPlugin(api: PluginApi, unknownKeys: string[]): Plugin {
  let warnedUnknownKeys = false;
  /** Export names per glue, parsed once (glue objects are reused while the wasm is unchanged). */
  const exportsByGlue = new WeakMap<CrateOutput["glue"], string[]>();
  return {
    name: "vite-plugin-crate:load",
    enforce: "pre",

    buildStart() {
      api.shipped.clear();
      if (unknownKeys.length > 0 && !warnedUnknownKeys) {
        warnedUnknownKeys = true;
        api.log.warn(`unknown option(s) ${unknownKeys.join(", ")}: see the README's Options section`);
      }
    },

    async resolveId(source, importer) {
      if (source.startsWith(GLUE_ID_PREFIX)) return source;
      // Snippets are imported relative to the glue: keep them inside our namespace.
      if (importer?.startsWith(GLUE_ID_PREFIX) && source.startsWith(".")) {
        return GLUE_ID_PREFIX + path.posix.join(path.posix.dirname(importer.slice(GLUE_ID_PREFIX.length)), source);
      }
      const bare = stripQuery(source);
      if (!MANIFEST_RE.test(bare)) return null;
      // Let Vite/Rollup resolve first: that covers aliases and root-relative URLs.
      const resolved = await this.resolve(source, importer, { skipSelf: true });
      const file = resolved && !resolved.external ? stripQuery(resolved.id) : undefined;
      if (file && fs.existsSync(file)) return api.filter(file) ? file : null;
      const expected = importer && /^\.{1,2}[\\/]/.test(bare) ? path.resolve(path.dirname(importer), bare) : bare;
      if (!api.filter(expected)) return null;
      const error = new CrateError(
        `Cannot find the crate ${JSON.stringify(source)}${importer ? ` imported from ${importer}` : ""}: ${expected} does not exist. ` +
          "Check the path: it is resolved like any import, relative to the importing file.",
        { file: importer ?? expected, code: "CRATE_NOT_FOUND" },
      );
      return this.error(toRollupError(error));
    },

    async load(id) {
      if (id.startsWith(GLUE_ID_PREFIX)) {
        const code = api.generatedModule(id);
        if (code === undefined) this.error(`${id.slice(GLUE_ID_PREFIX.length)} is not part of the current build of its crate`);
        return { code, map: null };
      }
      if (!MANIFEST_RE.test(id) || !api.filter(id)) return null;
      if (!api.isLoadingAllowed(id)) {
        const error = new CrateError(
          `${id} is outside the folders the dev server may read (server.fs.allow). ` +
            "Add the crate's folder to server.fs.allow in your Vite config to import it.",
          { file: id, code: "FS_NOT_ALLOWED" },
        );
        return this.error(toRollupError(error));
      }
      const builder = api.builderFor(id);
      let output: CrateOutput;
      try {
        output = await builder.build();
      } catch (error) {
        api.failedLoads.add(id);
        return this.error(toRollupError(error));
      } finally {
        if (api.command === "build") for (const file of builder.watchFiles) this.addWatchFile(file);
      }
      api.failedLoads.delete(id);
      if (api.command === "serve") api.delivered.set(id, output);
      api.onBuilt?.(builder, output);
      let exports = exportsByGlue.get(output.glue);
      if (!exports) {
        exports = exportNames(this.parse(output.glue.js) as Parameters<typeof exportNames>[0]);
        exportsByGlue.set(output.glue, exports);
      }
      const hot = api.command === "serve" ? { crate: output.info.packageName } : undefined;
      const wasm = wasmSource(this, api, output);
      if (api.command === "build") api.shipped.set(id, { output, wasmReferenceId: wasm.kind === "asset" ? wasm.referenceId : undefined });
      return { code: crateModuleCode(output.glueId, exports, wasm, hot), map: null };
    },

    watchChange(id) {
      // Rollup's and `vite build --watch`'s rebuilds. Vite's dev server calls this hook
      // too, but its rebuilds run from the dev-server plugin's watcher.
      if (api.command !== "build") return;
      for (const builder of api.crates.values()) if (builder.watches(id)) builder.invalidate(id);
    },
  };
}

function wasmSource(
  context: { emitFile: (file: { type: "asset"; name: string; source: Uint8Array }) => string },
  api: PluginApi,
  output: CrateOutput,
): WasmSource {
  const { wasm } = output.glue;
  if (api.options.inlineWasm) return { kind: "inline", base64: Buffer.from(wasm).toString("base64") };
  const fileName = `${output.info.libName}_bg.wasm`;
  if (api.command === "build") {
    return { kind: "asset", referenceId: context.emitFile({ type: "asset", name: fileName, source: wasm }) };
  }
  // Dev: the hash in the URL makes every rebuild a new URL, so no cache serves old bytes.
  const urlPath = `${DEV_WASM_PREFIX}${output.info.libName}-${output.wasmHash.slice(0, 16)}.wasm`;
  const previous = `${DEV_WASM_PREFIX}${output.info.libName}-`;
  for (const url of api.devWasm.keys()) if (url.startsWith(previous)) api.devWasm.delete(url);
  api.devWasm.set(urlPath, wasm);
  return { kind: "url", url: `${api.base}${urlPath}` };
}
