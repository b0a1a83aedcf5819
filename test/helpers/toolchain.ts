import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";

/** Debian bookworm's native wasm-opt: binaryen 108, older than the plugin accepts. */
export const OLD_NATIVE_WASM_OPT = "/usr/bin/wasm-opt";

/**
 * Where test runs install a native wasm-opt (see global-setup.ts and
 * wasm-opt-install.test.ts): a per-user cache folder and cargo target dir of the
 * tests' own, kept across runs, so only a fresh machine compiles Binaryen.
 */
export const WASM_OPT_INSTALL_CACHE = path.join(os.homedir(), ".cache", "vite-plugin-crate-test", "user-cache");
export const WASM_OPT_INSTALL_TARGET_DIR = path.join(os.homedir(), ".cache", "vite-plugin-crate-test", "wasm-opt-target");

/** The Chromium the browser tests drive (Debian's package; no browser downloads here). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** The threads fixture's pinned nightly (its rust-toolchain.toml), which threads tests build with. */
export const THREADS_TOOLCHAIN = /channel = "([^"]+)"/.exec(
  fs.readFileSync(new URL("../fixtures/threads/rust-toolchain.toml", import.meta.url), "utf8"),
)![1]!;

/** Is the wasm32 std installed for the toolchain rustc resolves to here (or for `toolchain`)? */
async function hasWasmStd(toolchain?: string): Promise<boolean> {
  const plus = toolchain ? [`+${toolchain}`] : [];
  const libdir = await execa("rustc", [...plus, "--print", "target-libdir", "--target", "wasm32-unknown-unknown"], { reject: false });
  const dir = libdir.stdout.trim();
  return !libdir.failed && fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.startsWith("libstd-"));
}

/** Does `toolchain` have the standard library's source (`-Zbuild-std` needs it)? */
async function hasRustSrc(toolchain: string): Promise<boolean> {
  const sysroot = await execa("rustc", [`+${toolchain}`, "--print", "sysroot"], { reject: false });
  return !sysroot.failed && fs.existsSync(`${sysroot.stdout.trim()}/lib/rustlib/src/rust/library/std`);
}

/** Can this process install Debian packages (root, with apt-get)? */
function canAptInstall(): boolean {
  return process.getuid?.() === 0 && fs.existsSync("/usr/bin/apt-get");
}

async function aptInstall(packages: string[]): Promise<void> {
  console.log(`[provision] apt-get install -y ${packages.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  await execa("apt-get", ["update", "-qq"], { env });
  await execa("apt-get", ["install", "-y", "-qq", ...packages], { env });
}

/**
 * Installs what the suite needs and this machine lacks, so `npm test` works on a fresh
 * machine with nothing done first: the wasm32 target (rustup), Chromium and Debian's
 * binaryen (apt, as root). The wasm-bindgen CLI is installed by the plugin itself (global
 * setup). What cannot be installed here is left to checkToolchain to report.
 */
export async function provisionToolchain(): Promise<void> {
  const cargo = await execa("cargo", ["--version"], { reject: false });
  if (!cargo.failed && !(await hasWasmStd())) {
    console.log("[provision] rustup target add wasm32-unknown-unknown");
    await execa("rustup", ["target", "add", "wasm32-unknown-unknown"], { reject: false, stdio: "inherit" });
  }
  if (!cargo.failed && !((await hasWasmStd(THREADS_TOOLCHAIN)) && (await hasRustSrc(THREADS_TOOLCHAIN)))) {
    const args = ["toolchain", "install", THREADS_TOOLCHAIN, "--profile", "minimal", "--component", "rust-src", "--target", "wasm32-unknown-unknown"];
    console.log(`[provision] rustup ${args.join(" ")}`);
    await execa("rustup", args, { reject: false, stdio: "inherit" });
  }
  const packages: string[] = [];
  if (!fs.existsSync(CHROMIUM_PATH) && !process.env.CHROMIUM_PATH) packages.push("chromium");
  if (!fs.existsSync(OLD_NATIVE_WASM_OPT)) packages.push("binaryen");
  if (packages.length > 0 && canAptInstall()) await aptInstall(packages);
}

/**
 * Checks what the suite needs and says how to get what is missing. Missing tools fail
 * the run (locally and under CI=true alike): these tests drive the real toolchain,
 * and a run that skipped them would prove nothing.
 */
export async function checkToolchain(): Promise<void> {
  const problems: string[] = [];
  const cargo = await execa("cargo", ["--version"], { reject: false });
  if (cargo.failed) problems.push("cargo is not on PATH: install Rust with rustup (https://rustup.rs).");
  if (!(await hasWasmStd())) {
    problems.push(
      "the wasm32-unknown-unknown target is not installed: run `rustup target add wasm32-unknown-unknown` " +
        "(on machines without rustup downloads: ../shared/toolchain/rust-wasm32.sh).",
    );
  }
  if (!((await hasWasmStd(THREADS_TOOLCHAIN)) && (await hasRustSrc(THREADS_TOOLCHAIN)))) {
    problems.push(
      `the threads tests' nightly is missing: run \`rustup toolchain install ${THREADS_TOOLCHAIN} --profile minimal ` +
        "--component rust-src --target wasm32-unknown-unknown`.",
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
