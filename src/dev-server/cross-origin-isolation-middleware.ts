import type { Connect } from "vite";

/** The headers that make a page cross-origin isolated (`self.crossOriginIsolated`). */
export function crossOriginIsolationHeaders(embedderPolicy: "require-corp" | "credentialless"): Record<string, string> {
  return {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": embedderPolicy,
  };
}

/**
 * Sets COOP/COEP on every response of the server, before any other middleware runs.
 * `server.headers` would miss responses written by plugins' own middlewares (and
 * the 404s), so the headers are set here, once, for all of them.
 */
export function crossOriginIsolationMiddleware(
  embedderPolicy: "require-corp" | "credentialless",
): Connect.NextHandleFunction {
  const headers = Object.entries(crossOriginIsolationHeaders(embedderPolicy));
  return function viteCrateCrossOriginIsolationMiddleware(_req, res, next) {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}
