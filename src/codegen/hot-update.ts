/** The DOM event the dev module dispatches on `globalThis` after a hot update. */
export const UPDATE_EVENT = "vite-plugin-crate:update";
/** The HMR event the dev server sends when a crate that showed an error builds again. */
export const ERROR_CLEARED_EVENT = "vite-plugin-crate:error-cleared";

/** One export of a hot crate module: a `let` binding its accept handler reassigns. */
export interface HotBinding {
  /** The name importers see. */
  exported: string;
  /** The module's own binding (differs for `default`). */
  local: string;
}

/**
 * The HMR part of a crate module in the dev server, shared by wasm-bindgen and raw
 * crates. ES modules' live bindings let the accept handler swap every export in place,
 * so importers see the new build's functions without re-running and app state survives.
 *
 * `release` is an expression for a function that lets go of this module's build.
 * Browsers never unload modules, so each replaced module would keep its wasm instance
 * alive (Chromium caps wasm memories per page; see glue-release.ts). The build being
 * replaced stays usable until the next update, for work still in flight and state
 * carried over; the one before it is released.
 */
export function hotUpdateCode({ bindings, crate, release }: { bindings: HotBinding[]; crate: string; release: string }): string[] {
  // What a rebuilt module's namespace lists (sorted) when the export list is the same.
  const exportList = bindings.map((b) => b.exported).sort();
  return [
    "if (import.meta.hot) {",
    // Importers hold the bindings of whichever instance of this module they imported:
    // every instance registers a setter, and each update refreshes all of them.
    "  const setters = (import.meta.hot.data.setters ??= []);",
    `  setters.push((next) => { ${bindings.map((b) => `${b.local} = next${member(b.exported)};`).join(" ")} });`,
    // The overlay shows a rebuild's error, not a broken page: close it ourselves, or
    // Vite's client would reload the page on its first update to be safe.
    `  import.meta.hot.on(${JSON.stringify(ERROR_CLEARED_EVENT)}, () => {`,
    // Workers run Vite's client too, and have no document.
    '    for (const overlay of globalThis.document?.querySelectorAll("vite-error-overlay") ?? []) overlay.close();',
    "  });",
    "  import.meta.hot.accept((next) => {",
    "    if (!next) return;",
    "    const replaced = (import.meta.hot.data.replaced ??= []);",
    "    const releaseOlder = () => {",
    `      replaced.push(${release});`,
    "      if (replaced.length > 1) replaced.shift()?.();",
    "    };",
    // A changed export list cannot be patched into importers' bindings: reload them.
    `    if (Object.keys(next).join() !== ${JSON.stringify(exportList.join())}) {`,
    `      import.meta.hot.invalidate("the crate's exports changed, so importers must run again");`,
    "      releaseOlder();",
    "      return;",
    "    }",
    "    for (const set of setters) set(next);",
    `    globalThis.dispatchEvent?.(new CustomEvent(${JSON.stringify(UPDATE_EVENT)}, { detail: { crate: ${JSON.stringify(crate)} } }));`,
    "    releaseOlder();",
    "  });",
    "}",
  ];
}

/** A name that can stand as a plain identifier (ASCII; others get quoted forms). */
export const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Property access on a namespace object, for any export name. */
function member(name: string): string {
  return IDENTIFIER.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}
