import type { ModuleInterface } from "../wasm-binary/module-interface.ts";
import { exportSpecifier, wasmExpression, wasmSourceImports, type HotUpdate, type WasmSource } from "./crate-module.ts";
import { hotUpdateCode, IDENTIFIER } from "./hot-update.ts";


/**
 * The module an app gets for a crate without wasm-bindgen (`#[no_mangle] pub extern "C"
 * fn …`): its named exports are the wasm's exports as they are (functions, `memory`,
 * globals, tables), and its default export is `instantiate(imports)`, which
 * instantiates the wasm once and resolves to those exports.
 *
 * A wasm that imports nothing is instantiated on import (top-level await), so the named
 * exports are ready, as with wasm-bindgen crates. One that imports something cannot be:
 * only the app has the imports. Its named exports are filled in when the app's
 * `await instantiate({ env: { … } })` resolves.
 *
 * With `hot` (the dev server), an update swaps the exports in place; a wasm with
 * imports is instantiated again with the imports the app passed the first time.
 */
export function rawModuleCode(iface: ModuleInterface, wasm: WasmSource, hot?: HotUpdate): string {
  // A wasm export named "default" is only reachable through instantiate()'s result:
  // the module's default export is instantiate itself.
  const names = iface.exports.map((entry) => entry.name).filter((name) => name !== "default").sort();
  const needsImports = iface.imports.length > 0;
  // Exports that cannot be `let` bindings are read from the exports object under local names.
  const locals = names.map((name, i) => ({ exported: name, local: IDENTIFIER.test(name) ? `__export_${name}` : `__export${i}` }));
  // The default export through a binding too, so hot updates can swap it.
  const bindings = [...locals, { exported: "default", local: "__default" }];
  const lines = [
    ...wasmSourceImports(wasm),
    `let ${["__instance", ...locals.map((b) => b.local)].join(", ")};`,
    "async function __load(imports) {",
    `  const source = ${wasmExpression(wasm)};`,
    '  if (typeof source !== "string") return WebAssembly.instantiate(source, imports);',
    "  const response = await fetch(source);",
    "  if (!response.ok) throw new Error(`fetching ${source} failed: ${response.status} ${response.statusText}`);",
    // Streaming compilation needs the right content type; a host without it still works.
    '  if (response.headers.get("Content-Type") === "application/wasm") return WebAssembly.instantiateStreaming(response, imports);',
    "  return WebAssembly.instantiate(await response.arrayBuffer(), imports);",
    "}",
    "/** Instantiates the wasm once (later calls reuse it) and resolves to its exports. */",
    "function instantiate(imports = {}) {",
    ...(hot ? ["  if (import.meta.hot) import.meta.hot.data.imports ??= imports;"] : []),
    "  __instance ??= __load(imports).then(({ instance }) => {",
    "    const exports = instance.exports;",
    ...locals.map((b) => `    ${b.local} = exports[${JSON.stringify(b.exported)}];`),
    "    return exports;",
    "  });",
    "  return __instance;",
    "}",
    "let __default = instantiate;",
    `export { ${bindings.map((b) => `${b.local} as ${exportSpecifier(b.exported)}`).join(", ")} };`,
  ];
  if (!needsImports) {
    // Await nothing: a finished module keeps its last awaited value alive (see crate-module.ts).
    lines.push("await instantiate().then(() => undefined);");
  } else if (hot) {
    // A rebuilt module instantiates again with what the app passed the first time.
    lines.push("if (import.meta.hot?.data.imports) await instantiate(import.meta.hot.data.imports).then(() => undefined);");
  }
  if (hot) lines.push(...hotUpdateCode({ bindings, crate: hot.crate, release: "() => { __instance = undefined; }" }));
  lines.push("");
  return lines.join("\n");
}
