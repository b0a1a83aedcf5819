import { describe, expect, test } from "vitest";
import { crateName, registerPlugin } from "../../src/cli/init.ts";

describe("registerPlugin: init adds the plugin to an existing Vite config", () => {
  test("first in an existing plugins array (create-vite's react-ts config)", () => {
    const source = `import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// https://vite.dev/config/
export default defineConfig({
  plugins: [react()],
})
`;
    expect(registerPlugin(source)).toBe(`import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'
import crate from "vite-plugin-crate";

// https://vite.dev/config/
export default defineConfig({
  plugins: [crate(), react()],
})
`);
  });

  test("an empty plugins array, after a multi-line import", () => {
    const source = `import {
  defineConfig,
} from "vite";
export default defineConfig({ plugins: [] });
`;
    expect(registerPlugin(source)).toBe(`import {
  defineConfig,
} from "vite";
import crate from "vite-plugin-crate";
export default defineConfig({ plugins: [crate()] });
`);
  });

  test("a plugins key added to a config without one; triple-slash directives stay first", () => {
    const source = `/// <reference types="vitest" />
export default {
  build: { target: "esnext" },
};
`;
    expect(registerPlugin(source)).toBe(`/// <reference types="vitest" />
import crate from "vite-plugin-crate";
export default {
  plugins: [crate()],
  build: { target: "esnext" },
};
`);
  });

  test("shapes it cannot edit safely are left to the user", () => {
    expect(registerPlugin(`module.exports = { plugins: [] };`)).toBeUndefined();
    expect(registerPlugin(`export default defineConfig(({ mode }) => config(mode));`)).toBeUndefined();
    // More than one plugins array, or the only one commented out: which is Vite's?
    expect(registerPlugin(`export default defineConfig({
  build: { rollupOptions: { plugins: [visualizer()] } },
  plugins: [react()],
});`)).toBeUndefined();
    expect(registerPlugin(`export default defineConfig({
  // plugins: [legacy()],
});`)).toBeUndefined();
  });
});

test.each([
  ["vite-project", "vite-project"],
  ["@acme/My App", "my-app"],
  ["123-start", "start"],
  // No package name: the folder's.
  ["", "app"],
  ["!!!", "app-crate"],
])("crateName(%j) → %j", (name, expected) => {
  expect(crateName(name, "/somewhere/app")).toBe(expected);
});
