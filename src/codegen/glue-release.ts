/** The export the dev server adds to glue modules: drops the module's hold on its wasm instance. */
export const RELEASE_EXPORT = "__vitePluginCrateRelease";

/**
 * Adds {@link RELEASE_EXPORT} to wasm-bindgen glue served by the dev server.
 *
 * Why: every hot update imports a new glue module, and a browser never unloads a
 * module, so each old glue's top-level `wasm` (and its cached memory views) keeps its
 * instance alive. Chromium caps wasm memories at about a hundred per page: a long dev
 * session failed with "WebAssembly.instantiate(): Out of memory" after ~70 saves.
 * Releasing resets those variables: `wasm` to a stand-in whose calls throw a clear
 * error (an object of an old build used after its release), whose `__wbg_*_free`
 * functions do nothing (finalizers of old class objects run quietly; a wasm-bindgen
 * closure's finalizer would still throw), and the other
 * state (declared with no value or `= null`: instance, module, init promise, memory
 * views) to what it was before init.
 *
 * Pure text work on the glue's top-level `let` lines; glue without `let … wasm` gets
 * no export, and the crate module's optional call does nothing.
 */
export function withReleaseExport(glueJs: string, crate: string): string {
  const resets: string[] = [];
  let hasWasm = false;
  for (const match of glueJs.matchAll(/^let ([\w$]+(?:, [\w$]+)*)( = null)?;$/gm)) {
    for (const name of match[1]!.split(", ")) {
      if (name === "wasm") hasWasm = true;
      else resets.push(`${name} = ${match[2] ? "null" : "undefined"};`);
    }
  }
  if (!hasWasm) return glueJs;
  const message = JSON.stringify(
    `this object or function belongs to an earlier build of ${crate}, released after a newer hot update. ` +
      "Create it again from the current exports (see the vite-plugin-crate:update event in the README's Hot updates).",
  );
  return [
    glueJs,
    "",
    "// Added by vite-plugin-crate's dev server (see src/codegen/glue-release.ts).",
    `export function ${RELEASE_EXPORT}() {`,
    `  const released = new Proxy(function () {}, {`,
    // Not a thenable and not a primitive; frees are no-ops; anything else leads to the error.
    `    get: (_, name) => (name === "then" || name === Symbol.toPrimitive ? undefined : typeof name === "string" && /^__wbg_\\w+_free$/.test(name) ? () => {} : released),`,
    `    apply() { throw new Error(${message}); },`,
    `    construct() { throw new Error(${message}); },`,
    "  });",
    "  wasm = released;",
    ...resets.map((line) => `  ${line}`),
    "}",
    "",
  ].join("\n");
}
