import { describe, expect, test } from "vitest";
import { brotliQuality, formatChange, formatSizeTable, parsePreviousSizes, sizesOf } from "../../src/report/size-report.ts";

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

describe("brotli quality within the report's budget", () => {
  test("11, as hosts precompress, when it fits; lower qualities as the budget shrinks; 4 at the least", () => {
    expect(brotliQuality(44_000, 300)).toBe(11); // the playground's wasm, 5% of a 6 s build
    expect(brotliQuality(1_400_000, 2_400)).toBe(9); // the large bench crate, 5% of a 48 s build
    expect(brotliQuality(1_400_000, 200)).toBe(5);
    expect(brotliQuality(1_400_000, 1)).toBe(4);
  });

  test("a lower quality is recorded and marked as an estimate in the table", async () => {
    // Varied enough that quality matters (a repeated line compresses to nothing at any).
    let seed = 1;
    const content = Array.from({ length: 20_000 }, () => `export const v${(seed = (seed * 48271) % 2147483647) % 5000} = ${seed % 997};`).join("\n");
    const estimate = await sizesOf(content, undefined, 0.001);
    const exact = await sizesOf(content, undefined);
    expect(estimate.brotliQuality).toBe(4);
    expect(exact.brotliQuality).toBeUndefined();
    expect(estimate.brotli).toBeGreaterThan(exact.brotli);
    const row = (sizes: typeof exact) => ({ crate: "app", crateId: "app-1", kind: "glue" as const, file: "glue", ...sizes });
    const table = formatSizeTable([row(estimate)], undefined);
    expect(table[1]).toMatch(/ ~\d/);
    expect(table.at(-1)).toMatch(/^~ brotli at quality 4 .* an estimate/);
    expect(formatSizeTable([row(exact)], undefined)).toHaveLength(2);
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
