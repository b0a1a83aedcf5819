/**
 * Does the build this hook runs in write assets? Vite builds every environment with
 * the same plugins, and only the client's writes them: SSR builds drop emitted assets,
 * so they ship no wasm to report on or serve. Plain Rollup has no environments.
 */
export function emitsAssets(context: object): boolean {
  const { environment } = context as { environment?: { config: { build: { emitAssets: boolean } } } };
  return environment?.config.build.emitAssets !== false;
}
