import { pathToFileURL } from "node:url";
import { execa } from "execa";

/**
 * Imports a built server bundle in a fresh Node process, from another working
 * directory and with no Vite loaded, and returns what its `render()` gives: what
 * `node dist/server/entry.js` would run in production.
 */
export async function renderWithNode(entryFile: string, cwd: string): Promise<string> {
  const script = `const m = await import(${JSON.stringify(pathToFileURL(entryFile).href)}); process.stdout.write(m.render());`;
  const result = await execa("node", ["--input-type=module", "-e", script], { cwd, reject: false });
  if (result.exitCode !== 0) throw new Error(`node could not run ${entryFile}:\n${result.stderr}`);
  return result.stdout;
}
