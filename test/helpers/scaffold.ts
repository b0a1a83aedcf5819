import fs from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { REPO_ROOT, TMP } from "./fixtures.ts";

/**
 * Runs one step of making or building an app (a scaffolder, `npm install`, an app's
 * build script) and logs how long it took. A failure carries the step's whole output,
 * since these are other projects' tools and their output is all there is to go on.
 */
export async function runStep(
  label: string,
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeout?: number },
): Promise<string> {
  const result = await timed(label, () =>
    execa(command, args, {
      cwd: options.cwd,
      env: options.env,
      // No prompt can wait for an answer: a scaffolder that wants one fails instead.
      stdin: "ignore",
      all: true,
      reject: false,
      timeout: options.timeout ?? 300_000,
    }),
  );
  if (result.failed) {
    throw new Error(`${label} failed: ${command} ${args.join(" ")} (in ${options.cwd})\n${result.all}`);
  }
  return result.all ?? "";
}

/**
 * Runs a phase and prints how long it took: these tests spend minutes in other
 * projects' tools, and the log says where.
 */
export async function timed<T>(label: string, task: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await task();
  } finally {
    console.log(`[timing] ${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

/**
 * An empty scratch folder of a fixed name under test/.tmp, emptied at the start of each
 * run: the last run's apps stay for a look after a failure, and runs do not pile up
 * (each app's node_modules is over 100 MB).
 */
export function freshDir(name: string): string {
  const dir = path.join(TMP, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Packs this repository as npm would publish it (`prepare` builds dist/) and returns the
 * tarball's path: apps install the plugin from it, as users install it from the registry.
 */
export async function packPlugin(destination: string): Promise<string> {
  const dir = path.join(destination, "pack");
  fs.mkdirSync(dir, { recursive: true });
  await runStep("npm pack", "npm", ["pack", "--pack-destination", dir], { cwd: REPO_ROOT });
  // Read the folder rather than npm's stdout, which the prepare build also writes to.
  const tarballs = fs.readdirSync(dir).filter((file) => file.endsWith(".tgz"));
  if (tarballs.length !== 1) throw new Error(`npm pack left ${tarballs.length} tarballs in ${dir}`);
  return path.join(dir, tarballs[0]!);
}

/**
 * Installs an app's dependencies together with the plugin's tarball, in one npm run:
 * the way a user adds the plugin to a freshly scaffolded app.
 */
export async function installWithPlugin(appDir: string, tarball: string): Promise<void> {
  const args = ["install", "--no-audit", "--no-fund", "--save-dev", tarball];
  await runStep(`npm install (${path.basename(appDir)})`, "npm", args, { cwd: appDir });
}

/** Inserts a line at the top of a scaffolded file (an import). */
export function prependLine(file: string, line: string): void {
  fs.writeFileSync(file, `${line}\n${fs.readFileSync(file, "utf8")}`);
}
