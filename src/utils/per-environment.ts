/** The key of plain Rollup's one build, which has no Vite environment. */
const ROLLUP_BUILD = {};

/**
 * State kept per Vite environment (client, ssr, a worker bundle…), the way Vite's own
 * asset plugin keeps it: a WeakMap keyed by `this.environment`, made fresh by `reset`
 * (call it in `buildStart`). Plain Rollup, with no environments, gets one entry.
 */
export interface PerEnvironment<T> {
  /** The state of the environment `context` (a plugin hook's `this`) builds for. */
  get(context: object): T;
  /** Starts that environment afresh (a new build). */
  reset(context: object): T;
}

export function perEnvironment<T>(create: () => T): PerEnvironment<T> {
  const states = new WeakMap<object, T>();
  const keyOf = (context: object) => (context as { environment?: object }).environment ?? ROLLUP_BUILD;
  return {
    get(context) {
      const key = keyOf(context);
      let state = states.get(key);
      if (state === undefined) states.set(key, (state = create()));
      return state;
    },
    reset(context) {
      const state = create();
      states.set(keyOf(context), state);
      return state;
    },
  };
}
