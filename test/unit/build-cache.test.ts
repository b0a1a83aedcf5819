import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { createBuildCache } from "../../src/cache/build-cache.ts";
import type { Log } from "../../src/utils/log.ts";

// The cache on a real (temporary) folder: entries come back whole or not at all, and a
// cache that cannot be written never fails a build.

const KEY = "0123456789abcdef0123456789abcdef";
const glue = { js: "export function f() {}", dts: "export function f(): void;", snippets: new Map([["snippets/a.js", "1"]]), wasm: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 7, 7]) };

function setUp(): { dir: string; log: Log; warnings: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "build-cache-"));
  const warnings: string[] = [];
  const log: Log = { info: () => {}, warn: (m) => void warnings.push(m), error: () => {}, debug: () => {} };
  return { dir, log, warnings };
}

describe("build cache", () => {
  test("entries come back as written", async () => {
    const { dir, log } = setUp();
    const cache = createBuildCache(dir, log);
    await cache.writeGlue("c-1", KEY, glue);
    await cache.writeWasm("c-1", KEY, glue.wasm);
    expect(await cache.readGlue("c-1", KEY)).toEqual(glue);
    expect(await cache.readWasm("c-1", KEY)).toEqual(glue.wasm);
    expect(await cache.readWasm("c-1", KEY.replace("0", "f"))).toBeUndefined();
  });

  test.each([
    ["a truncated glue wasm", (dir: string) => truncate(path.join(dir, `wasm-bindgen/c-1-${KEY}.wasm`))],
    ["a glue wasm of other bytes", (dir: string) => fs.writeFileSync(path.join(dir, `wasm-bindgen/c-1-${KEY}.wasm`), "garbage!!")],
    ["a garbage glue .json", (dir: string) => fs.writeFileSync(path.join(dir, `wasm-bindgen/c-1-${KEY}.json`), "{not json")],
  ])("%s is a miss, never served", async (_name, damage) => {
    const { dir, log } = setUp();
    const cache = createBuildCache(dir, log);
    await cache.writeGlue("c-1", KEY, glue);
    damage(dir);
    expect(await cache.readGlue("c-1", KEY)).toBeUndefined();
  });

  test.each([
    ["truncated", (file: string) => truncate(file)],
    ["one byte changed", (file: string) => {
      const bytes = fs.readFileSync(file);
      bytes[bytes.length - 1]! ^= 0xff;
      fs.writeFileSync(file, bytes);
    }],
    ["garbage", (file: string) => fs.writeFileSync(file, "not a cache entry at all, nor 32 bytes of hash")],
    ["empty", (file: string) => fs.writeFileSync(file, "")],
  ])("a wasm-opt entry %s is a miss", async (_name, damage) => {
    const { dir, log } = setUp();
    const cache = createBuildCache(dir, log);
    await cache.writeWasm("c-1", KEY, glue.wasm);
    damage(path.join(dir, `wasm-opt/c-1-${KEY}.wasm`));
    expect(await cache.readWasm("c-1", KEY)).toBeUndefined();
  });

  test("a cache that cannot be written: one warning, no error, every read a miss", async () => {
    const { dir, log, warnings } = setUp();
    // A file where the cache's folder should be: every write fails (as root, permissions would not).
    const blocked = path.join(dir, "blocked");
    fs.writeFileSync(blocked, "");
    const cache = createBuildCache(blocked, log);
    await cache.writeGlue("c-1", KEY, glue);
    await cache.writeWasm("c-1", KEY, glue.wasm);
    expect(await cache.readGlue("c-1", KEY)).toBeUndefined();
    expect(await cache.readWasm("c-1", KEY)).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/the build cache in .*blocked cannot be written \(.*\); building without it/);
  });
});

function truncate(file: string): void {
  const bytes = fs.readFileSync(file);
  fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
}
