#!/usr/bin/env node
import path from "node:path";
import { parseArgs } from "node:util";
import { createLog } from "../utils/log.ts";
import { declarationsPath } from "../wasm-bindgen/dts.ts";
import { applyInit, InitError, planInit } from "./init.ts";
import { writeCrateTypes, type TypesResult } from "./types.ts";

const HELP = `vite-plugin-crate: import Rust crates in Vite

Usage:
  vite-plugin-crate init [--dir crate] [--no-types]
      Adds a crate (Cargo.toml, src/lib.rs) to the Vite app in this folder, registers
      the plugin in its Vite config, ignores cargo's target/, and writes the crate's
      types. Refuses to overwrite anything.

  vite-plugin-crate types [--check] [crate...]
      Writes Cargo.toml.d.ts beside each crate's Cargo.toml (every crate depending on
      wasm-bindgen under this folder, or the ones named), with a dev build and the
      plugin's options from the Vite config. --check writes nothing and fails when one
      is missing or out of date.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(HELP);
    return command === undefined ? 1 : 0;
  }
  const root = process.cwd();
  if (command === "types") {
    const { values, positionals } = parseArgs({ args: rest, options: { check: { type: "boolean" } }, allowPositionals: true });
    return reportTypes(await writeCrateTypes({ root, crates: positionals, check: values.check ?? false, log: createLog() }), values.check ?? false);
  }
  if (command === "init") {
    const { values } = parseArgs({
      args: rest,
      options: { dir: { type: "string", default: "crate" }, "no-types": { type: "boolean" } },
    });
    return init(root, values.dir, !values["no-types"]);
  }
  process.stderr.write(`unknown command ${JSON.stringify(command)}\n\n${HELP}`);
  return 1;
}

async function init(root: string, crateFolder: string, types: boolean): Promise<number> {
  let plan;
  try {
    plan = planInit(root, crateFolder);
  } catch (error) {
    if (!(error instanceof InitError)) throw error;
    process.stderr.write(`vite-plugin-crate init: ${error.message}\n`);
    return 1;
  }
  applyInit(plan);
  for (const { file, what } of plan) process.stdout.write(`  ${path.relative(root, file)}: ${what}\n`);
  const manifest = path.resolve(root, crateFolder, "Cargo.toml");
  let status = 0;
  if (types) {
    process.stdout.write("Writing the crate's types (a first dev build: cargo compiles wasm-bindgen once)…\n");
    try {
      status = reportTypes(await writeCrateTypes({ root, crates: [manifest], check: false, log: createLog() }), false);
    } catch (error) {
      // The crate is in place; only its types are missing, and the next step says how to get them.
      process.stderr.write(`The types were not written: ${(error as Error).message}\nRun \`npx vite-plugin-crate types\` once that is fixed.\n`);
      status = 1;
    }
  }
  const importPath = `../${crateFolder}/Cargo.toml`.replace(/\\/g, "/");
  process.stdout.write(`
Done. Call Rust from src/main.ts (or any module):

  import { greet } from "${importPath}";
  console.log(greet("Ada"));

Then \`npm run dev\`. Commit ${crateFolder}/Cargo.toml.d.ts with the crate: it lets tsc and
editors check calls into Rust before anything was built.
`);
  return status;
}

function reportTypes(results: TypesResult[], check: boolean): number {
  let failed = 0;
  for (const { manifestPath, outcome, error } of results) {
    const file = path.relative(process.cwd(), declarationsPath(manifestPath));
    if (outcome === "failed") {
      failed++;
      process.stderr.write(`✗ ${file}\n${error?.message}\n`);
    } else if (outcome === "missing") {
      failed++;
      process.stderr.write(`✗ ${file} is missing: run \`npx vite-plugin-crate types\` and commit it\n`);
    } else {
      process.stdout.write(`✓ ${file} ${outcome === "checked" ? "is up to date" : outcome}\n`);
    }
  }
  if (results.length === 0 && check) return 1;
  return failed > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    process.stderr.write(`vite-plugin-crate: ${error.message}\n`);
    process.exitCode = 1;
  },
);
