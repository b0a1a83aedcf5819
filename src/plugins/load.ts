import fs from "node:fs";
import path from "node:path";
import MagicString from "magic-string";
import type { RollupLog } from "rollup";
import type { Plugin } from "vite";
import type { CompilerWarning } from "../cargo/build.ts";
import type { PluginApi, ShippedCrate } from "../api.ts";
import { crateModuleCode } from "../codegen/crate-module.ts";
import { crateQuery, initModuleCode, isOtherPluginsQuery, urlModuleCode } from "../codegen/query-modules.ts";
import { rawModuleCode } from "../codegen/raw-module.ts";
import { PANIC_FALLBACK_ID, PANIC_IMPORT_MODULE, panicFallbackModuleCode } from "../codegen/glue-panic-reporter.ts";
import { crossOriginIsolationGuard } from "../codegen/threads.ts";
import { exportNames } from "../codegen/export-names.ts";
import { GLUE_ID_PREFIX, type CrateOutput } from "../crate-builder.ts";
import { CrateError, toRollupError } from "../utils/error.ts";
import { perEnvironment } from "../utils/per-environment.ts";
import { loadGlueModule } from "./glue-module.ts";
import { isBrowserDev, runsInNode } from "./runtime.ts";
import { bundledWasmFileName, chooseWasmSource, type BundledWasm } from "./wasm-source.ts";
import { bareId, MANIFEST_RE } from "../utils/ids.ts";

const NODE_FS = "node:fs/promises";
const WASM_PLACEHOLDER_PREFIX = "__VITE_PLUGIN_CRATE_WASM_";
const PLACEHOLDER_RE = /__VITE_PLUGIN_CRATE_WASM_[\w-]+__/g;

// Hook filters: Rolldown (Vite 8) skips our hooks for everything else without calling
// into JS; Rollup 4.38+ does so for resolveId and load (not renderChunk). Each handler
// checks again, for bundlers without filters.
const GLUE_ID_RE = new RegExp(`^${GLUE_ID_PREFIX.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);
/** Imports we resolve: crate manifests (maybe with a query), our virtual ids, what glue and crate modules import. */
const RESOLVE_FILTER = [/Cargo\.toml(?:[?#]|$)/, GLUE_ID_RE, /^node:fs\/promises$/, /^\.\/snippets\//, new RegExp(`^${PANIC_IMPORT_MODULE}$`)];
/** Modules we load: crate manifests (maybe `?init` or `?url`) and our virtual glue and snippet modules. */
const LOAD_FILTER = [/(^|[\\/])Cargo\.toml(\?.*)?$/, GLUE_ID_RE, new RegExp(`^${PANIC_FALLBACK_ID}$`)];

function stripQuery(id: string): string {
  return id.replace(/[?#].*$/, "");
}

/**
 * Resolves imports of Cargo.toml files and loads them as ESM modules of the crate's
 * exports; also resolves and loads the generated glue and snippet modules. Works the
 * same under Vite (dev and build, every environment) and plain Rollup. Where the wasm
 * comes from depends on where the module runs (see wasm-source.ts); with
 * `nodeWasm: "file"`, a Node-side build's wasm is placed next to the bundle by this
 * plugin's own renderChunk and generateBundle, since Vite drops assets of server builds.
 */
export function loadPlugin(api: PluginApi, unknownKeys: string[]): Plugin {
  let warnedUnknownKeys = false;
  /** Export names per glue, parsed once (glue objects are reused while the wasm is unchanged). */
  const exportsByGlue = new WeakMap<CrateOutput["glue"], string[]>();
  /** Wasm files a Node-side build writes next to its bundle, by placeholder; `used` once a chunk points at one. */
  const bundledWasm = perEnvironment(() => new Map<string, BundledWasm & { used: boolean }>());
  return {
    name: "vite-plugin-crate:load",
    enforce: "pre",

    buildStart() {
      api.shipped.reset(this);
      bundledWasm.reset(this);
      if (unknownKeys.length > 0 && !warnedUnknownKeys) {
        warnedUnknownKeys = true;
        this.warn({ message: `unknown option(s) ${unknownKeys.join(", ")}: see the README's Options section`, code: "UNKNOWN_OPTION" });
      }
    },

    resolveId: {
      filter: { id: RESOLVE_FILTER },
      async handler(source, importer) {
        if (source.startsWith(GLUE_ID_PREFIX)) return source;
        // Only glue whose panic reporter patch did not apply still imports the hook's module.
        if (source === PANIC_IMPORT_MODULE && importer?.startsWith(GLUE_ID_PREFIX)) return PANIC_FALLBACK_ID;
        // Node-side crate modules read their wasm with node:fs; plain Rollup, unlike Vite's
        // SSR builds, would otherwise warn that it cannot resolve a Node builtin.
        if (source === NODE_FS && importer && MANIFEST_RE.test(bareId(importer))) return { id: source, external: true };
        // Snippets are imported relative to the glue: keep them inside our namespace.
        if (importer?.startsWith(GLUE_ID_PREFIX) && source.startsWith("./snippets/")) {
          return GLUE_ID_PREFIX + path.posix.join(path.posix.dirname(importer.slice(GLUE_ID_PREFIX.length)), source);
        }
        const { filter } = api.settings;
        const pathError = specialCharacterError(source, importer, isBrowserDev(api, runsInNode(this, api)), filter);
        if (pathError) return this.error(toRollupError(pathError));
        const bare = stripQuery(source);
        if (!MANIFEST_RE.test(bare)) return null;
        // Vite's dev server marks a classic worker's script so (a build with worker.format "iife": see load).
        if (importer && /[?&]worker_file\b/.test(importer) && /[?&]type=classic\b/.test(importer)) {
          return this.error(toRollupError(classicWorkerError(importer)));
        }
        // Let Vite/Rollup resolve first: that covers aliases and root-relative URLs.
        const resolved = await this.resolve(source, importer, { skipSelf: true });
        const file = resolved && !resolved.external ? stripQuery(resolved.id) : undefined;
        // `?init` and `?url` are ours (see codegen/query-modules.ts); other queries
        // meaning another plugin's module (Vite's `?raw`) go to it; the rest are ignored.
        const query = crateQuery(source);
        if (file && fs.existsSync(file)) {
          if (!filter(file)) return null;
          if (isOtherPluginsQuery(source)) return null;
          return query ? `${file}?${query}` : file;
        }
        const expected = importedPath(bare, importer);
        if (!filter(expected)) return null;
        const error = new CrateError(
          `Cannot find the crate ${JSON.stringify(source)}${importer ? ` imported from ${importer}` : ""}: ${expected} does not exist. ` +
            "Check the path: it is resolved like any import, relative to the importing file.",
          { file: importer ?? expected, code: "CRATE_NOT_FOUND" },
        );
        return this.error(toRollupError(error));
      },
    },

    load: {
      filter: { id: LOAD_FILTER },
      async handler(id) {
        if (id === PANIC_FALLBACK_ID) return { code: panicFallbackModuleCode(), map: null };
        if (id.startsWith(GLUE_ID_PREFIX)) return loadGlueModule(this, api, id);
        const file = bareId(id);
        const query = crateQuery(id);
        if (!MANIFEST_RE.test(file) || isOtherPluginsQuery(id) || !api.settings.filter(file)) return null;
        const { settings, dev } = api;
        const inNode = runsInNode(this, api);
        const browserDev = isBrowserDev(api, inNode);
        // server.fs guards what the dev server sends to browsers (Vite checks it in its
        // HTTP middlewares); server-side code (SSR, Vitest) is never sent anywhere.
        if (browserDev && !dev!.isLoadingAllowed(file)) {
          const error = new CrateError(
            `${file} is outside the folders the dev server may read (server.fs.allow). ` +
              "Add the crate's folder to server.fs.allow in your Vite config to import it.",
            { file, code: "FS_NOT_ALLOWED" },
          );
          return this.error(toRollupError(error));
        }
        // `?url` and `?init` modules have no top-level await: fine in an iife worker.
        if (settings.workerFormat === "iife" && !query) return this.error(toRollupError(iifeWorkerError(file)));
        const builder = api.crates.builderFor(file);
        let output: CrateOutput;
        try {
          output = await builder.build();
        } catch (error) {
          if (browserDev) dev!.failedLoads.add(file);
          dev?.watchCrateFolder(builder);
          return this.error(toRollupError(error));
        } finally {
          // Rebuilds in `vite build --watch` and Rollup's watch mode; in dev, the sources
          // become imports of this module in the module graph, which is how Vitest knows
          // to rerun the tests that import a crate when one of its .rs files changes.
          for (const file of builder.watchFiles) this.addWatchFile(file);
        }
        for (const warning of api.crates.takeWarnings(output)) this.warn(warningLog(warning));
        dev?.watchBuild(builder, output);
        if (browserDev) {
          dev!.failedLoads.delete(file);
          dev!.delivered.set(file, output);
        }
        if (output.raw && query === "init") return this.error(toRollupError(rawInitQueryError(file)));
        const wasm = await chooseWasmSource(this, api, output, inNode);
        let wasmFile: ShippedCrate["wasmFile"];
        if (wasm.kind === "bundled-file") {
          wasmFile = { fileName: bundledWasmFileName(this, output) };
          bundledWasm.get(this).set(wasm.placeholder, { fileName: wasmFile.fileName, wasm: output.glue.wasm, used: false });
        } else if (wasm.kind === "asset") {
          wasmFile = { referenceId: wasm.referenceId };
        }
        if (settings.command === "build") api.shipped.get(this).set(file, { output, wasmFile });
        if (query === "url") return { code: urlModuleCode(wasm), map: null };
        // Only browsers get hot updates; Node-side modules are invalidated and run again.
        // Threads crates reload the page: a thread pool cannot move to a new build.
        const hot = browserDev && !output.info.threads ? { crate: output.info.packageName } : undefined;
        if (output.raw) return { code: rawModuleCode(output.raw, wasm, hot), map: null };
        let exports = exportsByGlue.get(output.glue);
        if (!exports) {
          exports = exportNames(this.parse(output.glue.js) as Parameters<typeof exportNames>[0]);
          exportsByGlue.set(output.glue, exports);
        }
        if (query === "init") return { code: initModuleCode(output.glueId, exports, wasm), map: null };
        const code = crateModuleCode(output.glueId, exports, wasm, hot);
        if (!output.info.threads) return { code, map: null };
        if (api.options.crossOriginIsolation === false && !inNode) {
          this.warn({ message: `${file} uses threads, which need cross-origin isolation, but crossOriginIsolation is false: the page must get COOP/COEP from elsewhere`, code: "THREADS_WITHOUT_ISOLATION" });
        }
        return { code: `${crossOriginIsolationGuard(output.info.packageName)}\n${code}`, map: null };
      },
    },

    renderChunk: {
      filter: { code: WASM_PLACEHOLDER_PREFIX },
      handler(code, chunk, outputOptions) {
        const files = bundledWasm.get(this);
        if (files.size === 0 || !code.includes(WASM_PLACEHOLDER_PREFIX)) return null;
        const magic = new MagicString(code);
        for (const match of code.matchAll(PLACEHOLDER_RE)) {
          const file = files.get(match[0]);
          if (!file) continue;
          file.used = true;
          const relative = path.posix.relative(path.posix.dirname(chunk.fileName), file.fileName);
          magic.overwrite(match.index, match.index + match[0].length, relative.startsWith(".") ? relative : `./${relative}`);
        }
        return { code: magic.toString(), map: outputOptions.sourcemap ? magic.generateMap({ hires: "boundary" }) : null };
      },
    },

    generateBundle: {
      // After Vite's asset plugin, which deletes every asset of a server build
      // (`build.emitAssets` is false there): the wasm must ship with the server bundle.
      order: "post",
      handler() {
        // Only files a rendered chunk points at (a tree-shaken crate module needs none).
        for (const { fileName, wasm, used } of bundledWasm.get(this).values()) {
          if (used) this.emitFile({ type: "asset", fileName, source: wasm });
        }
      },
    },

    watchChange(id) {
      // Rollup's and `vite build --watch`'s rebuilds. Vite's dev server calls this hook
      // too, but its rebuilds run from the dev-server plugin's watcher.
      if (api.settings.command !== "build") return;
      for (const builder of api.crates.values()) if (builder.watches(id)) builder.invalidate(id);
    },
  };
}

/** The file a relative import names, resolved against its importer; other specifiers as they are. */
function importedPath(source: string, importer: string | undefined): string {
  return importer && /^\.{1,2}[\\/]/.test(source) ? path.resolve(path.dirname(importer), source) : source;
}

/**
 * An existing Cargo.toml whose path has a "?" or "#" in it. Bundlers read "?" as the
 * start of a query, so such an import can never reach the file; Vite's dev server reads
 * "#" in a browser's module URL as a fragment (it supports "#" only inside packages,
 * vitejs/vite#13123), so the page would get index.html. Say so, rather than "not found"
 * or a blank page. Builds, SSR and Vitest handle "#".
 */
function specialCharacterError(
  source: string,
  importer: string | undefined,
  browserDev: boolean,
  filter: (id: string) => boolean,
): CrateError | undefined {
  if (!/[?#]/.test(source) || !MANIFEST_RE.test(source)) return undefined;
  const literal = importedPath(source, importer);
  if (!fs.existsSync(literal) || !filter(literal)) return undefined;
  const problem = literal.includes("?")
    ? 'has a "?" in its path, which Vite and Rollup read as the start of a query, so it cannot be imported'
    : browserDev
      ? `has a "#" in its path, which Vite's dev server cannot serve to a browser (it reads it as a URL fragment; \`vite build\`, SSR and Vitest handle it)`
      : undefined;
  if (!problem) return undefined;
  return new CrateError(`${literal} ${problem}. Rename the folder (spaces and non-ASCII letters are fine).`, {
    file: importer ?? literal,
    code: literal.includes("?") ? "QUERY_IN_PATH" : "HASH_IN_PATH",
  });
}

/** A rustc warning as a Rollup log: `onwarn`/`onLog` can filter it by `pluginCode` (the lint). */
function warningLog(warning: CompilerWarning): RollupLog {
  return { message: warning.message, code: warning.code, id: warning.id, ...(warning.loc && { loc: warning.loc }) };
}

/** `?init` of a raw crate: its module's default export is already the on-demand instantiate. */
function rawInitQueryError(file: string): CrateError {
  return new CrateError(
    `${file} is a crate without wasm-bindgen, which has no ?init module: import the crate itself, ` +
      "whose default export instantiate(imports) instantiates the wasm on demand (see the README's Raw crates).",
    { file, code: "RAW_INIT_QUERY" },
  );
}

/** How a module worker is started, for errors about classic ones. */
const MODULE_WORKER_FORM = 'new Worker(new URL("./worker.js", import.meta.url), { type: "module" })';

/** A crate imported into a worker bundled as iife: top-level await cannot be there. */
function iifeWorkerError(id: string): CrateError {
  return new CrateError(
    `${id} is imported in a web worker that Vite bundles as an iife (worker.format: "iife"), ` +
      "which cannot hold the top-level await that instantiates the wasm. " +
      `Set worker: { format: "es" } in your Vite config and start the worker as a module worker: ${MODULE_WORKER_FORM} ` +
      "(every current browser runs them).",
    { file: id, code: "WORKER_FORMAT" },
  );
}

/**
 * A crate imported in a classic worker in `vite dev` (`new Worker(url)` without
 * `type: "module"`): the browser would refuse the worker's `import` with a bare
 * SyntaxError. Classic workers (`importScripts`, wasm-pack's `--target no-modules`) are
 * not supported: the crate is an ES module.
 */
function classicWorkerError(importer: string): CrateError {
  const file = bareId(importer);
  return new CrateError(
    `${file} imports a crate but runs as a classic worker, which cannot load ES modules (nor a crate: ` +
      `importScripts and wasm-pack's no-modules output are not supported). Start it as a module worker: ${MODULE_WORKER_FORM}`,
    { file, code: "CLASSIC_WORKER" },
  );
}
