import type { Connect } from "vite";
import { bufferOf } from "../utils/bytes.ts";

/** URL path (below Vite's `base`) under which the dev server serves built wasm. */
export const DEV_WASM_PREFIX = "@vite-plugin-crate/";

/** What the middleware serves at a URL: wasm bytes, or a function making them when first asked. */
export type ServedWasm = Uint8Array | (() => Promise<Uint8Array>);

/**
 * Serves the wasm of the crates the dev server built, from memory, as
 * `application/wasm` (which `WebAssembly.instantiateStreaming` requires). It answers
 * only the exact URLs it handed out: anything else under its prefix, including
 * `..` tricks and encoded slashes, is a 404 and never reaches the file system.
 */
export function wasmMiddleware(base: string, wasmByUrl: Map<string, ServedWasm>): Connect.NextHandleFunction {
  const prefix = `${base}${DEV_WASM_PREFIX}`;
  return function viteCrateServeWasmMiddleware(req, res, next) {
    const rawPath = (req.url ?? "").replace(/[?#].*$/, "");
    if (!rawPath.startsWith(prefix)) return next();
    const served = req.method === "GET" || req.method === "HEAD" ? wasmByUrl.get(rawPath.slice(base.length)) : undefined;
    const fail = (status: number, message: string) => {
      res.statusCode = status;
      res.setHeader("Content-Type", "text/plain; charset=utf-8");
      res.end(message);
    };
    if (!served) return fail(404, "Not found: this URL serves only the wasm of crates built by vite-plugin-crate.");
    const send = (wasm: Uint8Array) => {
      res.statusCode = 200;
      res.setHeader("Content-Type", "application/wasm");
      res.setHeader("Content-Length", String(wasm.byteLength));
      // Dev builds change often; never let the browser reuse a stale module.
      res.setHeader("Cache-Control", "no-cache");
      res.end(req.method === "HEAD" ? undefined : bufferOf(wasm));
    };
    if (served instanceof Uint8Array) return send(served);
    served().then(send, (error: Error) => fail(500, `vite-plugin-crate could not make this debug file: ${error.message}`));
  };
}
