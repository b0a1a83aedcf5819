/**
 * The `_headers` file Netlify and Cloudflare Pages read: a path pattern line, then
 * indented `Name: value` lines. Both apply every rule whose pattern matches, so ours
 * can follow the user's own rules.
 */
export function headersFileContent(options: {
  /** URL paths of the emitted wasm files, e.g. `/assets/app_bg-1a2b.wasm`. */
  wasmPaths: readonly string[];
  /** URL path prefix of the site, `/` or Vite's absolute `base`. */
  base: string;
  crossOriginIsolation: "require-corp" | "credentialless" | false;
  /** The user's `public/_headers`, kept first. */
  existing?: string;
}): string {
  const rules: string[] = [];
  if (options.existing?.trim()) rules.push(options.existing.trimEnd());
  rules.push("# Added by vite-plugin-crate (option headersFile)");
  if (options.crossOriginIsolation) {
    // For SharedArrayBuffer (wasm threads): the page must be cross-origin isolated.
    rules.push(
      `${options.base}*\n  Cross-Origin-Opener-Policy: same-origin\n  Cross-Origin-Embedder-Policy: ${options.crossOriginIsolation}`,
    );
  }
  // WebAssembly.instantiateStreaming refuses any other Content-Type.
  for (const wasmPath of options.wasmPaths) rules.push(`${wasmPath}\n  Content-Type: application/wasm`);
  return `${rules.join("\n\n")}\n`;
}
