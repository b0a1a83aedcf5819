import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, test } from "vitest";
import { crossOriginIsolationMiddleware } from "../../src/dev-server/cross-origin-isolation-middleware.ts";
import { wasmMiddleware } from "../../src/dev-server/wasm-middleware.ts";

/** A minimal response double: these middlewares only set headers and end. */
function call(middleware: ReturnType<typeof wasmMiddleware>, url: string, method = "GET") {
  const headers: Record<string, string> = {};
  const result = { status: 0, headers, body: undefined as Buffer | undefined, next: false };
  const res = {
    set statusCode(code: number) {
      result.status = code;
    },
    setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = value),
    end: (body?: Buffer) => (result.body = body),
  } as unknown as ServerResponse;
  middleware({ url, method } as IncomingMessage, res, () => (result.next = true));
  return result;
}

describe("wasmMiddleware", () => {
  const wasm = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
  const served = new Map([["@vite-plugin-crate/app-0123.wasm", wasm]]);

  test.each(["/", "/sub/"])("serves exactly the built URLs as application/wasm under base %j", (base) => {
    const result = call(wasmMiddleware(base, served), `${base}@vite-plugin-crate/app-0123.wasm?t=1`);
    expect(result.status).toBe(200);
    expect(result.headers["content-type"]).toBe("application/wasm");
    expect([...result.body!]).toEqual([...wasm]);
  });

  test.each([
    "/@vite-plugin-crate/other.wasm",
    "/@vite-plugin-crate/../package.json",
    "/@vite-plugin-crate/..%2fpackage.json",
    "/@vite-plugin-crate/",
  ])("everything else under the prefix is a 404: %s", (url) => {
    const result = call(wasmMiddleware("/", served), url);
    expect(result.status).toBe(404);
    expect(result.next).toBe(false);
  });

  test("other URLs pass through", () => {
    expect(call(wasmMiddleware("/", served), "/src/main.ts").next).toBe(true);
  });

  test("only GET and HEAD", () => {
    expect(call(wasmMiddleware("/", served), "/@vite-plugin-crate/app-0123.wasm", "POST").status).toBe(404);
  });
});

test("crossOriginIsolationMiddleware sets COOP and the chosen COEP", () => {
  const result = call(crossOriginIsolationMiddleware("credentialless"), "/anything");
  expect(result.headers).toEqual({
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-embedder-policy": "credentialless",
  });
  expect(result.next).toBe(true);
});
