import path from "node:path";

/** Where a command named `name` could be, in PATH order (as the shell would look). */
export function pathCandidates(name: string): string[] {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, name));
}
