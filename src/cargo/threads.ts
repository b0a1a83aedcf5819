import { CrateError } from "../utils/error.ts";

/**
 * How a crate with threads (wasm-bindgen-rayon) is built. wasm threads need a shared,
 * imported memory and a std compiled with atomics, so:
 * - std is rebuilt with the crate (`-Zbuild-std`, nightly only, needs `rust-src`);
 * - every crate, std included, gets `+atomics` (rustflags: the target's, so it merges
 *   with the user's `target.wasm32-unknown-unknown.rustflags`; RUSTFLAGS in the
 *   environment replaces all of these, as cargo does);
 * - the crate's own link step gets the memory and TLS exports wasm-bindgen's threads
 *   transform needs. Since nightly-2025-10 `+atomics` no longer implies a shared
 *   memory: without `--shared-memory` the build succeeds, wasm-bindgen skips its
 *   threads transform, and `initThreadPool` fails in the browser with a DataCloneError.
 *   After `--`, so only the final crate relinks when they change.
 */
export const THREADS_CARGO_ARGS = [
  "-Zbuild-std=panic_abort,std",
  "--config",
  'target.wasm32-unknown-unknown.rustflags=["-C","target-feature=+atomics,+bulk-memory,+mutable-globals"]',
];

/** Link arguments for the crate itself (after `cargo rustc … --`). */
export const THREADS_RUSTC_ARGS = [
  "--shared-memory",
  "--import-memory",
  // The default maximum is the initial size: a memory that can never grow. 1 GiB.
  "--max-memory=1073741824",
  "--export=__wasm_init_tls",
  "--export=__tls_size",
  "--export=__tls_align",
  "--export=__tls_base",
].flatMap((arg) => ["-C", `link-arg=${arg}`]);

/**
 * cargo refused a threads build because the toolchain is not a nightly with `rust-src`:
 * say what threads need and how to get it.
 */
export function threadsToolchainError(manifestPath: string, stderr: string): CrateError | undefined {
  const notNightly = /only accepted on the nightly channel|the option `Z` is only accepted/.test(stderr);
  const noSource = /rust-src|could not find the source|Cargo\.lock.*library/i.test(stderr) && /build-std/.test(stderr);
  if (!notNightly && !noSource) return undefined;
  const fix = notNightly
    ? "Add a rust-toolchain.toml beside the crate's Cargo.toml that selects a nightly, for example\n\n" +
      '[toolchain]\nchannel = "nightly-2026-10-30"\ncomponents = ["rust-src"]\ntargets = ["wasm32-unknown-unknown"]\n\n' +
      "(rustup installs it on the next build, or run `rustup toolchain install nightly-2026-10-30 --component rust-src --target wasm32-unknown-unknown`), " +
      "or set the plugin's `toolchain` option."
    : "Install the standard library's source for that toolchain: `rustup component add rust-src` (run it in the crate's folder, so rustup picks the crate's toolchain).";
  return new CrateError(
    `${manifestPath} uses threads (wasm-bindgen-rayon), which rebuild the standard library with atomics (-Zbuild-std): ` +
      `that needs a nightly toolchain with the rust-src component. ${fix}\n\n${stderr.trim()}`,
    { file: manifestPath, code: "THREADS_TOOLCHAIN" },
  );
}
