import { describe, expect, test } from "vitest";
import { createBuildProgress } from "../../src/cargo/progress.ts";
import { codeFrame } from "../../src/diagnostics/code-frame.ts";
import { descendants } from "../../src/utils/kill-tree.ts";
import type { Log } from "../../src/utils/log.ts";

describe("codeFrame", () => {
  const source = "fn a() {}\nfn add(a: i32) -> i32 {\n    let wrong: i32 = \"text\";\n    a\n}\n";

  test("numbered lines around the error, a caret under the 0-based column", () => {
    // rustc: line 3, column 22 (1-based) → loc { line: 3, column: 21 }
    expect(codeFrame(source, 3, 21)).toBe(
      [
        "1 | fn a() {}",
        "2 | fn add(a: i32) -> i32 {",
        '3 |     let wrong: i32 = "text";',
        "  |                      ^",
        "4 |     a",
        "5 | }",
      ].join("\n"),
    );
  });

  test("has the shape Vite's overlay requires to show a frame", () => {
    const viteCodeFrame = /^(?:>?\s*\d+\s+\|.*|\s+\|\s*\^.*)\r?\n/gm;
    expect(viteCodeFrame.test(`${codeFrame(source, 3, 21)}\n`)).toBe(true);
  });

  test("widths line numbers to the widest, and is empty outside the file", () => {
    const long = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join("\n");
    expect(codeFrame(long, 10, 0, 1).split("\n")).toEqual([" 9 | line 9", "10 | line 10", "   | ^", "11 | line 11"]);
    expect(codeFrame(source, 99, 0)).toBe("");
  });
});

describe("descendants", () => {
  test("children before grandchildren, unrelated processes left out", () => {
    const ps = ["  1     0", " 10     1", " 20    10", " 21    10", " 30    20", " 40     1", "garbage"].join("\n");
    expect(descendants(ps, 10)).toEqual([20, 21, 30]);
    expect(descendants(ps, 30)).toEqual([]);
  });
});

describe("build progress", () => {
  function setup() {
    const lines: string[] = [];
    const log: Log = {
      info: (m) => lines.push(`info ${m}`),
      warn: (m) => lines.push(`warn ${m}`),
      error: (m) => lines.push(`error ${m}`),
      debug: () => {},
    };
    let now = 0;
    const progress = createBuildProgress("my-crate", 4, log, "/t/target", () => now);
    return { lines, progress, tick: (ms: number) => (now += ms) };
  }

  test("silent for a fast rebuild", () => {
    const { lines, progress, tick } = setup();
    tick(300);
    progress.artifact("a");
    progress.done();
    expect(lines).toEqual([]);
  });

  test("a slow build reports crates compiled so far and elapsed time, at most every 2 s", () => {
    const { lines, progress, tick } = setup();
    tick(1200);
    progress.artifact("a");
    tick(500);
    progress.artifact("b");
    progress.artifact("b"); // a second unit (build script) of the same package
    tick(1600);
    progress.artifact("c");
    progress.done();
    expect(lines).toEqual([
      "info compiling my-crate: 1/4 crates, 1.2 s",
      "info compiling my-crate: 3/4 crates, 3.3 s",
      "info compiled my-crate in 3.3 s",
    ]);
  });

  test("waiting on another cargo's lock is said once", () => {
    const { lines, progress } = setup();
    progress.blocked();
    progress.blocked();
    expect(lines).toEqual([
      "warn waiting for another cargo that holds the lock on /t/target (often rust-analyzer or a cargo watch); my-crate builds as soon as it finishes.",
    ]);
  });
});
