import { describe, expect, test } from "vitest";
import { formatChange, formatSizeTable, parsePreviousSizes, sizesOf } from "../../src/report/size-report.ts";

describe("sizesOf", () => {
  const content = "export const x = 1;\n".repeat(200);

  test("measures raw, gzip and brotli, and fingerprints the bytes", async () => {
    const sizes = await sizesOf(content, undefined);
    expect(sizes.raw).toBe(content.length);
    expect(sizes.gzip).toBeLessThan(sizes.raw / 10);
    expect(sizes.brotli).toBeLessThan(sizes.gzip);
    expect(sizes.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test("reuses kept sizes for the same bytes, and only for them", async () => {
    const measured = await sizesOf(content, undefined);
    const kept = { ...measured, brotli: 1 }; // a marker: reused sizes are not recomputed
    expect(await sizesOf(content, kept)).toBe(kept);
    expect((await sizesOf(`${content} `, kept)).brotli).not.toBe(1);
  });
});

test("parsePreviousSizes keeps current entries and drops old-format or broken ones", () => {
  const entry = { sha256: "ab", raw: 10, gzip: 5, brotli: 4 };
  expect(parsePreviousSizes(JSON.stringify({ "a/wasm": entry, "a/glue": 1234 }))).toEqual({ "a/wasm": entry });
  expect(parsePreviousSizes("{not json")).toBeUndefined();
});

test("the table aligns columns and shows the change against the previous build", () => {
  const row = { crate: "app", crateId: "app-12345678", kind: "wasm" as const, file: "assets/app.wasm", sha256: "x", raw: 2048, gzip: 1024, brotli: 900 };
  const previous = { "app-12345678/wasm": { sha256: "y", raw: 1024, gzip: 1, brotli: 1 } };
  expect(formatSizeTable([row], previous)).toEqual([
    "crate  file                 raw     gzip  brotli    change",
    "app    assets/app.wasm  2.0 KiB  1.0 KiB   900 B  +1.0 KiB",
  ]);
  expect(formatChange(100, 100)).toBe("same");
  expect(formatChange(100, undefined)).toBe("new");
});
