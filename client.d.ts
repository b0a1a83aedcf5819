// Types for the queries a Cargo.toml import can carry. Reference them once, in a
// `.d.ts` of the app (`/// <reference types="vite-plugin-crate/client" />`) or in
// tsconfig's `compilerOptions.types`. The crate's own exports are typed by the
// `Cargo.toml.d.ts` the plugin writes beside each crate.

/** wasm-bindgen's init options, as `?init`'s function takes them. */
interface CrateInitOptions {
  /** The wasm to instantiate instead of the crate's own: a URL, bytes, a `Response` or a compiled `WebAssembly.Module`. */
  module_or_path?:
    | RequestInfo
    | URL
    | Response
    | BufferSource
    | WebAssembly.Module
    | Promise<RequestInfo | URL | Response | BufferSource | WebAssembly.Module>;
  /** The shared memory to instantiate with (crates built with threads). */
  memory?: WebAssembly.Memory;
  /** Stack size of each thread (crates built with threads). */
  thread_stack_size?: number;
}

declare module "*/Cargo.toml?init" {
  /**
   * Instantiates the crate (once; later calls reuse the instance) and resolves to its
   * exports. Name them for types: `await init<typeof import("./crate/Cargo.toml")>()`.
   * A bare URL, bytes or `WebAssembly.Module` is taken as `module_or_path`.
   */
  export default function init<Exports = Record<string, unknown>>(
    options?: CrateInitOptions | CrateInitOptions["module_or_path"],
  ): Promise<Exports>;
}

declare module "*/Cargo.toml?url" {
  /** The URL of the crate's wasm, as the page fetches it. */
  const url: string;
  export default url;
}
