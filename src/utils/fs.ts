import fs from "node:fs/promises";

/** Does `file` exist (any kind of entry)? */
export async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** A text file's content, or undefined when it cannot be read (usually: it does not exist). */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  return fs.readFile(file, "utf8").catch(() => undefined);
}
