// Kept apart from vite.config.ts: that file is the playground's app config, and Vitest
// would otherwise load the playground's root and plugin into the test runner.
import { defineConfig } from "vitest/config";

// Tests never reach the real wasm-bindgen release host (it is not reachable here, and a
// test must not depend on it): the CLI is built with cargo install, and the download
// path is tested against a local server (test/build/cli-download.test.ts).
process.env.VITE_PLUGIN_CRATE_WASM_BINDGEN_DOWNLOAD = "0";
// Nor does a build start the background install of a native wasm-opt (minutes of a
// core): test/build/wasm-opt-install.test.ts turns it on for its own builds.
process.env.VITE_PLUGIN_CRATE_WASM_OPT_INSTALL = "0";

export default defineConfig({
  test: {
    include: ["test/{unit,build,e2e}/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    // Cargo builds dominate and use both cores; files run one at a time so timings
    // and cargo's target-dir locks stay predictable.
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 600_000,
    env: { VITE_PLUGIN_CRATE_WASM_BINDGEN_DOWNLOAD: "0", VITE_PLUGIN_CRATE_WASM_OPT_INSTALL: "0" },
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
  },
});
