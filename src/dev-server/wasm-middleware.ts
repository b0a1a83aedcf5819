import type { Connect } from "vite";
import { bufferOf } from "../utils/bytes.ts";

/** URL path (below Vite's `base`) under which the dev server serves built wasm. */
export const DEV_WASM_PREFIX = "@vite-plugin-crate/";

/**
 * Serves the wasm of the crates the dev server built, from memory, as
 * `application/wasm` (which `WebAssembly.instantiateStreaming` requires). It answers
 * only the exact URLs it handed out: anything else under its prefix, including
 * `..` tricks and encoded slashes, is a 404 and never reaches the file system.
 */
export function wasmMiddleware(base: string, wasmByUrl: Map<string, Uint8Array>): Connect.NextHandleFunction {
  const prefix = `${base}${DEV_WASM_PREFIX}`;
  return function viteCrateServeWasmMiddleware(req, res, next) {
    const rawPath = (req.url ?? "").replace(/[?#].*$/, "");
    if (!rawPath.startsWith(prefix)) return next();
    const wasm = req.method === "GET" || req.method === "HEAD" ? wasmByUrl.get(rawPath.slice(base.length)) : undefined;
    if (!wasm) {
      res.statusCode = 404;
      res.setHeader("Content-Type", "text/plain; charset=utf-8");
      res.end("Not found: this URL serves only the wasm of crates built by vite-plugin-crate.");
      return;
    }
    res.statusCode = 200;
    res.setHeader("Content-Type", "application/wasm");
    res.setHeader("Content-Length", String(wasm.byteLength));
    // Dev builds change often; never let the browser reuse a stale module.
    res.setHeader("Cache-Control", "no-cache");
    res.end(req.method === "HEAD" ? undefined : bufferOf(wasm));
  };
}
