import { describe, expect, test } from "vitest";
import { resolveOptions } from "../../src/options.ts";
import { userCacheDir } from "../../src/utils/cache-dir.ts";
import { isDebugEnabled } from "../../src/utils/log.ts";
import { binaryenLevels } from "../../src/wasm-opt/optimize.ts";

describe("resolveOptions", () => {
  test("defaults", () => {
    const { resolved, unknownKeys } = resolveOptions();
    expect(unknownKeys).toEqual([]);
    expect(resolved).toEqual({
      include: "**/Cargo.toml",
      exclude: undefined,
      release: undefined,
      features: [],
      noDefaultFeatures: false,
      cargoArgs: [],
      wasmBindgen: { path: undefined, install: true, cacheDir: undefined },
      wasmOpt: { level: "z", onError: "error", dev: false },
      inlineWasm: false,
      dts: true,
      crossOriginIsolation: "require-corp",
    });
  });

  test("explicit values win, wasmOpt: false turns optimization off", () => {
    const { resolved } = resolveOptions({ release: false, wasmOpt: false, crossOriginIsolation: "credentialless" });
    expect(resolved.release).toBe(false);
    expect(resolved.wasmOpt).toBe(false);
    expect(resolved.crossOriginIsolation).toBe("credentialless");
    expect(resolveOptions({ wasmOpt: { level: 3 } }).resolved.wasmOpt).toEqual({ level: 3, onError: "error", dev: false });
  });

  test("unknown keys are reported, bad values rejected with the allowed ones", () => {
    expect(resolveOptions({ relase: true } as never).unknownKeys).toEqual(["relase"]);
    expect(() => resolveOptions({ wasmOpt: { level: "fast" as never } })).toThrow(
      'wasmOpt.level must be one of 0, 1, 2, 3, 4, "s", "z"; got "fast"',
    );
    expect(() => resolveOptions({ crossOriginIsolation: "on" as never })).toThrow("crossOriginIsolation must be");
  });
});

test.each([
  ["z", { optimizeLevel: 2, shrinkLevel: 2 }],
  ["s", { optimizeLevel: 2, shrinkLevel: 1 }],
  [3, { optimizeLevel: 3, shrinkLevel: 0 }],
  [0, { optimizeLevel: 0, shrinkLevel: 0 }],
] as const)("binaryenLevels(%j) matches wasm-opt -O<level>", (level, expected) => {
  expect(binaryenLevels(level)).toEqual(expected);
});

describe("userCacheDir", () => {
  test("an explicit env var wins", () => {
    expect(userCacheDir({ VITE_PLUGIN_CRATE_CACHE_DIR: "/x/cache" }, "linux")).toBe("/x/cache");
  });
  test("XDG on Linux", () => {
    expect(userCacheDir({ XDG_CACHE_HOME: "/xdg" }, "linux")).toBe("/xdg/vite-plugin-crate");
  });
});

test.each([
  [undefined, false],
  ["vite:*", false],
  ["vite-plugin-crate", true],
  ["vite:hmr,vite-plugin-crate:build", true],
  ["*", true],
])("isDebugEnabled(%j)", (env, enabled) => {
  expect(isDebugEnabled(env)).toBe(enabled);
});
