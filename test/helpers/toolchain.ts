import fs from "node:fs";
import { execa } from "execa";

/** Debian bookworm's native wasm-opt: binaryen 108, older than the plugin accepts. */
export const OLD_NATIVE_WASM_OPT = "/usr/bin/wasm-opt";

/** The Chromium the browser tests drive (Debian's package; no browser downloads here). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Checks what the suite needs and says how to get what is missing. Missing tools fail
 * the run (locally and under CI=true alike): these tests drive the real toolchain,
 * and a run that skipped them would prove nothing.
 */
export async function checkToolchain(): Promise<void> {
  const problems: string[] = [];
  const cargo = await execa("cargo", ["--version"], { reject: false });
  if (cargo.failed) problems.push("cargo is not on PATH: install Rust with rustup (https://rustup.rs).");
  const libdir = await execa("rustc", ["--print", "target-libdir", "--target", "wasm32-unknown-unknown"], {
    reject: false,
  });
  const hasStd = !libdir.failed && fs.existsSync(libdir.stdout.trim()) &&
    fs.readdirSync(libdir.stdout.trim()).some((f) => f.startsWith("libstd-"));
  if (!hasStd) {
    problems.push(
      "the wasm32-unknown-unknown target is not installed: run `rustup target add wasm32-unknown-unknown` " +
        "(on machines without rustup downloads: ../shared/toolchain/rust-wasm32.sh).",
    );
  }
  // The tests check that an old native wasm-opt (Debian's binaryen 108) is passed over.
  const oldWasmOpt = await execa(OLD_NATIVE_WASM_OPT, ["--version"], { reject: false });
  if (oldWasmOpt.failed) problems.push(`no ${OLD_NATIVE_WASM_OPT}: run \`apt-get install -y binaryen\` (Debian bookworm's 108).`);
  else if (!/wasm-opt version 108\b/.test(oldWasmOpt.stdout)) {
    problems.push(`${OLD_NATIVE_WASM_OPT} is "${oldWasmOpt.stdout.trim()}"; the tests expect Debian bookworm's binaryen 108.`);
  }
  if (!fs.existsSync(CHROMIUM_PATH)) {
    problems.push(`no Chromium at ${CHROMIUM_PATH}: run \`apt-get install -y chromium\` or set CHROMIUM_PATH.`);
  }
  if (problems.length > 0) {
    throw new Error(`The test suite cannot run on this machine:\n- ${problems.join("\n- ")}`);
  }
}
