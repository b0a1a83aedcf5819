import type { Plugin } from "vite";
import type { PluginApi } from "../api.ts";
import { bareId, MANIFEST_RE } from "../utils/ids.ts";

/** What both Rollup and Rolldown tell `chunkFileNames` about a chunk. */
interface ChunkInfo {
  name: string;
  facadeModuleId: string | null;
  moduleIds: readonly string[];
}
type ChunkFileNames = string | ((chunk: ChunkInfo) => string);

/**
 * Names the chunk of a dynamically imported (or shared) crate after the crate
 * (`assets/my-crate-1a2b3c4d.js`), not after its manifest (`assets/Cargo-1a2b3c4d.js`):
 * bundlers name a chunk after its entry module's file, or its first module's, and every
 * crate's is Cargo.toml. Wraps the output's `chunkFileNames`, whatever it is, and puts
 * the crate's name where that pattern has `[name]`; other chunks keep their names.
 */
export function chunkNamesPlugin(api: PluginApi): Plugin {
  return {
    name: "vite-plugin-crate:chunk-names",
    apply: "build",

    outputOptions(options) {
      const pattern = (options.chunkFileNames ?? "[name]-[hash].js") as ChunkFileNames;
      const chunkFileNames = (chunk: ChunkInfo) => {
        const fileName = typeof pattern === "function" ? pattern(chunk) : pattern;
        const crate = chunk.name === "Cargo" ? namedAfter(api, chunk) : undefined;
        return crate ? fileName.replaceAll("[name]", crate) : fileName;
      };
      return { ...options, chunkFileNames } as typeof options;
    },
  };
}

/** The package name of the crate a chunk called "Cargo" was named after: its entry's, else its first. */
function namedAfter(api: PluginApi, chunk: ChunkInfo): string | undefined {
  const ids = chunk.facadeModuleId ? [chunk.facadeModuleId] : chunk.moduleIds;
  for (const id of ids) {
    const file = bareId(id);
    if (!MANIFEST_RE.test(file)) continue;
    for (const builder of api.crates.values()) {
      if (builder.manifestPath === file) return builder.lastOutput?.info.packageName;
    }
  }
  return undefined;
}
