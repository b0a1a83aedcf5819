import type { Plugin } from "vite";
import { GLUE_ID_PREFIX } from "../crate-builder.ts";
import { MANIFEST_RE } from "../utils/ids.ts";

/** What Vitest hands `configureVitest`; only the part used here, named per major. */
interface VitestPluginContext {
  /** Vitest 5. */
  defineCacheKeyGenerator?: (generator: (module: { id: string }) => string | false | undefined) => void;
  /** Vitest 4. */
  experimental_defineCacheKeyGenerator?: VitestPluginContext["defineCacheKeyGenerator"];
}

/**
 * Keeps crate modules out of Vitest's file-system module cache (on by default since
 * Vitest 5): it keys a module by its own file's text, so a Cargo.toml whose crate was
 * rebuilt after a .rs edit would come back from the cache, pointing at glue that no
 * longer exists. Crate and glue modules are always loaded afresh; the plugin's own
 * build cache makes that cheap.
 */
export function vitestPlugin(): Plugin {
  return {
    name: "vite-plugin-crate:vitest",
    // Not a Vite hook: Vitest calls it on plugins that have it; Vite ignores it.
    configureVitest(context: VitestPluginContext) {
      const define = context.defineCacheKeyGenerator ?? context.experimental_defineCacheKeyGenerator;
      define?.(({ id }) => (MANIFEST_RE.test(id.replace(/[?#].*$/, "")) || id.startsWith(GLUE_ID_PREFIX) ? false : undefined));
    },
  } as Plugin;
}
