import fs from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { build } from "vite";
import { expect, test } from "vitest";
import { copyToTemp, REPO_ROOT } from "../helpers/fixtures.ts";

const tsc = (project: string) =>
  execa(path.join(REPO_ROOT, "node_modules/.bin/tsc"), ["--noEmit", "-p", project], { reject: false });

test("after a build, tsc knows the crate's exports with no hand-written declarations", async () => {
  const dir = copyToTemp(path.join(REPO_ROOT, "playground"));
  const project = path.join(dir, "tsconfig.json");

  // Before any build there is nothing to type the import with.
  const before = await tsc(project);
  expect(before.exitCode).not.toBe(0);
  expect(before.stdout).toContain("Cannot find module '../crate/Cargo.toml'");

  await build({ configFile: path.join(REPO_ROOT, "vite.config.ts"), root: dir, logLevel: "silent" });
  const dts = fs.readFileSync(path.join(dir, "crate/Cargo.toml.d.ts"), "utf8");
  expect(dts).toContain("export function greet(name: string): string;");
  // wasm-bindgen's init functions, for code written for wasm-pack: no argument needed.
  expect(dts).toContain("export function initSync(module?:");
  expect(dts).toContain("export default function init(module_or_path?:");

  const after = await tsc(project);
  expect(after.stdout).toBe("");
  expect(after.exitCode).toBe(0);

  // wasm-pack style code and the ?init / ?url queries, with the package's client types.
  fs.writeFileSync(
    path.join(dir, "src/compat.ts"),
    [
      `/// <reference path=${JSON.stringify(path.join(REPO_ROOT, "client.d.ts"))} />`,
      'import init, { initSync, greet } from "../crate/Cargo.toml";',
      'import lazyInit from "../crate/Cargo.toml?init";',
      'import wasmUrl from "../crate/Cargo.toml?url";',
      "export async function run(): Promise<string> {",
      "  const wasm = await init();",
      "  const bytes: number = wasm.memory.buffer.byteLength + initSync().memory.buffer.byteLength;",
      '  const crate = await lazyInit<typeof import("../crate/Cargo.toml")>({ module_or_path: wasmUrl });',
      "  return crate.greet(String(bytes)) + greet(wasmUrl);",
      "}",
      "",
    ].join("\n"),
  );
  const compat = await tsc(project);
  expect(compat.stdout).toBe("");
  expect(compat.exitCode).toBe(0);
  fs.appendFileSync(path.join(dir, "src/compat.ts"), "export const notANumber: number = wasmUrl;\n");
  const compatWrong = await tsc(project);
  expect(compatWrong.stdout).toMatch(/compat\.ts\(11,14\): error TS2322: Type 'string' is not assignable to type 'number'/);
  fs.rmSync(path.join(dir, "src/compat.ts"));

  // Calling an export with the wrong argument types is now a type error.
  fs.writeFileSync(path.join(dir, "src/wrong.ts"), 'import { add, greet } from "../crate/Cargo.toml";\ngreet(42);\nadd("1", 2);\n');
  const wrong = await tsc(project);
  expect(wrong.exitCode).not.toBe(0);
  expect(wrong.stdout).toMatch(/wrong\.ts\(2,7\): error TS2345: Argument of type 'number' is not assignable to parameter of type 'string'/);
  expect(wrong.stdout).toMatch(/wrong\.ts\(3,5\): error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'/);
});
