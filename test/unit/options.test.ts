import { describe, expect, test } from "vitest";
import { resolveOptions } from "../../src/options.ts";
import { userCacheDir } from "../../src/utils/cache-dir.ts";
import { isDebugEnabled } from "../../src/utils/log.ts";
import { binaryenLevels } from "../../src/wasm-opt/optimize.ts";

describe("resolveOptions", () => {
  test("defaults", () => {
    const { resolved, unknownKeys } = resolveOptions({}, {});
    expect(unknownKeys).toEqual([]);
    expect(resolved).toEqual({
      include: "**/Cargo.toml",
      exclude: undefined,
      release: undefined,
      features: [],
      noDefaultFeatures: false,
      cargoArgs: [],
      wasmBindgen: {
        path: undefined,
        install: true,
        download: "https://github.com/wasm-bindgen/wasm-bindgen/releases/download",
        cacheDir: undefined,
      },
      profile: "size",
      wasmOpt: { level: 1, onError: "error", dev: false, native: true, install: true, args: [] },
      cache: true,
      sizeReport: { topFunctions: 0 },
      headersFile: false,
      inlineWasm: false,
      dts: true,
      crossOriginIsolation: "require-corp",
      target: undefined,
      nodeWasm: "inline",
      threads: false,
      toolchain: undefined,
    });
  });

  test("wasmOpt.install: on by default; the env var wins over the option; a bad value is an error", () => {
    const install = (option: boolean | undefined, env?: string) => {
      const { wasmOpt } = resolveOptions({ wasmOpt: { install: option } }, { VITE_PLUGIN_CRATE_WASM_OPT_INSTALL: env }).resolved;
      return wasmOpt && wasmOpt.install;
    };
    expect(install(undefined)).toBe(true);
    expect(install(false)).toBe(false);
    expect(install(true, "0")).toBe(false);
    expect(install(false, "1")).toBe(true);
    expect(install(false, "")).toBe(false);
    expect(() => install(true, "yes")).toThrow(/VITE_PLUGIN_CRATE_WASM_OPT_INSTALL|wasmOpt\.install/);
  });

  test("wasmBindgen.download: off, a mirror, or the release host; the env var wins", () => {
    const download = (option: boolean | string | undefined, env?: string) =>
      resolveOptions({ wasmBindgen: { download: option } }, { VITE_PLUGIN_CRATE_WASM_BINDGEN_DOWNLOAD: env }).resolved
        .wasmBindgen.download;
    expect(download(false)).toBe(false);
    expect(download("https://mirror.example/wb")).toBe("https://mirror.example/wb");
    expect(download(undefined, "0")).toBe(false);
    expect(download(true, "false")).toBe(false);
    expect(download(false, "http://127.0.0.1:8080/r")).toBe("http://127.0.0.1:8080/r");
    expect(download(false, "1")).toBe("https://github.com/wasm-bindgen/wasm-bindgen/releases/download");
    expect(() => download("mirror.example")).toThrow(/must be true, false or an http\(s\) URL; got "mirror.example"/);
  });

  test("dts takes true, false, \"write\" or \"check\"", () => {
    expect(resolveOptions({ dts: "check" }).resolved.dts).toBe("check");
    expect(() => resolveOptions({ dts: "always" as never })).toThrow(/dts must be true, false, "write" or "check"/);
  });

  test("explicit values win, wasmOpt: false turns optimization off", () => {
    const { resolved } = resolveOptions({ release: false, wasmOpt: false, crossOriginIsolation: "credentialless" });
    expect(resolved.release).toBe(false);
    expect(resolved.wasmOpt).toBe(false);
    expect(resolved.crossOriginIsolation).toBe("credentialless");
    expect(resolveOptions({ wasmOpt: { level: 3 } }).resolved.wasmOpt).toMatchObject({ level: 3, onError: "error", dev: false });
  });

  test("the profile picks wasm-opt's default level; an explicit level wins", () => {
    expect(resolveOptions({ profile: "speed" }).resolved.wasmOpt).toMatchObject({ level: 3 });
    expect(resolveOptions({ profile: "none" }).resolved.wasmOpt).toMatchObject({ level: 1 });
    expect(resolveOptions({ profile: "speed", wasmOpt: { level: "s" } }).resolved.wasmOpt).toMatchObject({ level: "s" });
    expect(() => resolveOptions({ profile: "small" as never })).toThrow('profile must be "size", "speed" or "none"; got "small"');
  });

  test("the size report's function count comes from the option or the env var, which wins", () => {
    expect(resolveOptions({ sizeReport: { topFunctions: 5 } }).resolved.sizeReport).toEqual({ topFunctions: 5 });
    expect(resolveOptions({}, { VITE_PLUGIN_CRATE_TOP_FUNCTIONS: "20" }).resolved.sizeReport).toEqual({ topFunctions: 20 });
    expect(resolveOptions({ sizeReport: { topFunctions: 5 } }, { VITE_PLUGIN_CRATE_TOP_FUNCTIONS: "7" }).resolved.sizeReport).toEqual({ topFunctions: 7 });
    expect(resolveOptions({ sizeReport: false }).resolved.sizeReport).toBe(false);
    expect(() => resolveOptions({}, { VITE_PLUGIN_CRATE_TOP_FUNCTIONS: "lots" })).toThrow("VITE_PLUGIN_CRATE_TOP_FUNCTIONS must be a whole number");
  });

  test("unknown keys are reported, bad values rejected with the allowed ones", () => {
    expect(resolveOptions({ relase: true } as never).unknownKeys).toEqual(["relase"]);
    expect(() => resolveOptions({ wasmOpt: { level: "fast" as never } })).toThrow(
      'wasmOpt.level must be one of 0, 1, 2, 3, 4, "s", "z"; got "fast"',
    );
    expect(() => resolveOptions({ crossOriginIsolation: "on" as never })).toThrow("crossOriginIsolation must be");
    expect(() => resolveOptions({ target: "deno" as never })).toThrow('target must be "web" or "node"; got "deno"');
    expect(resolveOptions({ target: "node" }).resolved.target).toBe("node");
    expect(() => resolveOptions({ nodeWasm: "url" as never })).toThrow('nodeWasm must be "inline" or "file"; got "url"');
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
