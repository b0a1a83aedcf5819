import { CrateError } from "../utils/error.ts";

/** wasm-bindgen-rayon's worker script, as wasm-bindgen copies it among the crate's snippets. */
export const RAYON_WORKER_HELPERS_RE = /\/snippets\/wasm-bindgen-rayon-[^/]+\/src\/workerHelpers\.js$/;

const PACKAGE_IMPORT_RE = /import\((['"])\.\.\/\.\.\/\.\.\1\)/;
const SELF_URL_RE = /new URL\((['"])\.\/workerHelpers\.js\1,\s*import\.meta\.url\)/;

/**
 * wasm-bindgen-rayon's `workerHelpers.js`, made to work from a bundle. Each thread is a
 * module worker running this same file, which imports "the package" with
 * `import('../../..')` (the glue's folder, which a bundler cannot resolve: there is no
 * package.json) and instantiates it with the page's module and shared memory. So:
 * - `import('../../..')` becomes an import of `glueModule` (an expression): the raw
 *   glue, never the crate module, which would instantiate a memory of its own on
 *   import. In builds it is the URL of the glue's own chunk, computed, so that Vite
 *   adds no preload helper (it reads `document`, which workers do not have);
 * - `new URL('./workerHelpers.js', import.meta.url)` becomes `workerUrl`: in dev the
 *   module's own URL (the dev server serves it), in builds the URL of a chunk of its own,
 *   so a thread does not run the page's code.
 */
export function rayonWorkerHelpersCode(code: string, glueModule: string, workerUrl: string, file: string): string {
  if (!PACKAGE_IMPORT_RE.test(code) || !SELF_URL_RE.test(code)) {
    throw new CrateError(
      `wasm-bindgen-rayon's workerHelpers.js (${file}) no longer has the shape vite-plugin-crate rewrites ` +
        "(import('../../..') and new URL('./workerHelpers.js', import.meta.url)), so its threads could not start. " +
        "Report it with your wasm-bindgen-rayon version; meanwhile pin the version this plugin's README names.",
      { file, code: "RAYON_WORKER_HELPERS" },
    );
  }
  return code.replace(PACKAGE_IMPORT_RE, `import(${glueModule})`).replace(SELF_URL_RE, workerUrl);
}

/**
 * The first statement of a threads crate's module: without cross-origin isolation there
 * is no SharedArrayBuffer, and the glue would fail creating its shared memory with an
 * error that does not say why.
 */
export function crossOriginIsolationGuard(crate: string): string {
  const message =
    `${crate} uses threads (wasm-bindgen-rayon), which need SharedArrayBuffer, so the page must be cross-origin isolated ` +
    "(self.crossOriginIsolated is false). Serve it with the headers Cross-Origin-Opener-Policy: same-origin and " +
    "Cross-Origin-Embedder-Policy: require-corp. vite dev and vite preview send them unless crossOriginIsolation is false; " +
    "in production your host must (vite-plugin-crate's headersFile option writes a _headers file for hosts that read one).";
  return `if (globalThis.crossOriginIsolated === false) throw new Error(${JSON.stringify(message)});`;
}
