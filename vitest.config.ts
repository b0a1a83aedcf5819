// Kept apart from vite.config.ts: that file is the playground's app config, and Vitest
// would otherwise load the playground's root and plugin into the test runner.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/{unit,build,e2e}/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    // Cargo builds dominate and use both cores; files run one at a time so timings
    // and cargo's target-dir locks stay predictable.
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 600_000,
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
  },
});
