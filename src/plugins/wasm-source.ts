import path from "node:path";
import type { PluginApi } from "../api.ts";
import type { WasmSource } from "../codegen/crate-module.ts";
import type { CrateOutput } from "../crate-builder.ts";
import { writeNodeWasmFile } from "../dev-server/node-wasm-file.ts";
import { bufferOf } from "../utils/bytes.ts";

/** A wasm file a Node-side build writes next to its bundle. */
export interface BundledWasm {
  /** Path in the output folder, e.g. `assets/app_bg-1a2b3c4d.wasm`. */
  fileName: string;
  wasm: Uint8Array;
}

/** Stands for the wasm's path relative to the chunk until chunks are rendered. */
function bundledWasmPlaceholder(output: CrateOutput): string {
  return `__VITE_PLUGIN_CRATE_WASM_${output.info.crateId}__`;
}

/** `<assetsDir>/<lib>_bg-<hash>.wasm`, like Vite's asset names: hashed, so it caches forever. */
export function bundledWasmFileName(context: object, output: CrateOutput): string {
  const { environment } = context as { environment?: { config: { build: { assetsDir: string } } } };
  const assetsDir = environment?.config.build.assetsDir ?? "assets";
  return path.posix.join(assetsDir, `${output.info.libName}_bg-${output.wasmHash.slice(0, 8)}.wasm`);
}

/**
 * Where the crate module takes its wasm from, by command and runtime:
 *
 * |            | browser                         | Node                                          |
 * | ---------- | ------------------------------- | --------------------------------------------- |
 * | dev        | a URL the dev server answers    | a file on disk, absolute path                 |
 * | build      | an emitted asset (hashed URL)   | inlined (`nodeWasm: "inline"`, the default),  |
 * |            |                                 | or a file next to the bundle (`"file"`)        |
 *
 * Node bundles inline by default because servers are often bundled again after Vite
 * (SvelteKit's adapter-node runs Rollup over the server output): a file found through
 * `import.meta.url` is left behind, bytes inside the JS always come along.
 * `inlineWasm` puts the bytes in the module everywhere.
 */
export async function chooseWasmSource(
  context: { emitFile: (file: { type: "asset"; name: string; source: Uint8Array }) => string },
  api: PluginApi,
  output: CrateOutput,
  inNode: boolean,
): Promise<WasmSource> {
  const { wasm } = output.glue;
  const inline = (): WasmSource => ({ kind: "inline", base64: bufferOf(wasm).toString("base64"), node: inNode });
  if (api.options.inlineWasm) return inline();
  if (api.settings.command === "serve") {
    if (inNode) return { kind: "file", path: await writeNodeWasmFile(output) };
    // Browser code our dev middleware does not serve (worker bundles that Vite 8's
    // experimental bundled dev builds with worker.plugins): the bytes go inside.
    if (!api.dev) return inline();
    return { kind: "url", url: `${api.settings.base}${api.dev.wasmUrl(output)}` };
  }
  if (inNode) return api.options.nodeWasm === "file" ? { kind: "bundled-file", placeholder: bundledWasmPlaceholder(output) } : inline();
  return { kind: "asset", referenceId: context.emitFile({ type: "asset", name: `${output.info.libName}_bg.wasm`, source: wasm }) };
}
