/**
 * Runs tasks that share a key one after another. Used per cargo target directory:
 * two cargos on one target dir would only wait on cargo's file lock, and our own
 * copy-out of the artifact must happen before the next build overwrites it.
 */
export function createSerializer() {
  const tails = new Map<string, Promise<unknown>>();
  return function serialize<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}
