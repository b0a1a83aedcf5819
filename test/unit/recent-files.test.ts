import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { staleFiles, touch } from "../../src/utils/recent-files.ts";

test("staleFiles names the matching files past the most recently used, and touch renews one", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "recent-files-"));
  const files = ["a.wasm", "b.wasm", "c.wasm", "other.txt"];
  files.forEach((name, age) => {
    fs.writeFileSync(path.join(dir, name), name);
    const time = new Date(Date.now() - (files.length - age) * 60_000); // a oldest, other.txt newest
    fs.utimesSync(path.join(dir, name), time, time);
  });
  const wasm = (name: string) => name.endsWith(".wasm");
  expect(await staleFiles(dir, wasm, 2)).toEqual(["a.wasm"]);
  expect(await staleFiles(dir, wasm, 3)).toEqual([]);
  await touch(path.join(dir, "a.wasm"));
  expect(await staleFiles(dir, wasm, 2)).toEqual(["b.wasm"]);
});
