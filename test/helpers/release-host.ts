import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import * as tar from "tar";
import { releaseArchive } from "../../src/wasm-bindgen/release-download.ts";

/** What the fake release host answers for one path. */
export interface Route {
  status?: number;
  body: Buffer | string;
  /** Send this many bytes, then hang until the client goes away (a stalled download). */
  stallAfter?: number;
  /** Wait this long before answering (so concurrent installs overlap). */
  delayMs?: number;
}

/**
 * A local stand-in for wasm-bindgen's release host (GitHub cannot be reached here, and
 * tests must never call it): serves whatever routes a test sets, on 127.0.0.1, and
 * records the paths it was asked for.
 */
export async function startReleaseHost(): Promise<{
  baseUrl: string;
  routes: Map<string, Route>;
  requests: string[];
  close: () => Promise<void>;
}> {
  const routes = new Map<string, Route>();
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    const url = request.url ?? "/";
    requests.push(url);
    const route = routes.get(url);
    if (!route) {
      response.writeHead(404).end("Not Found");
      return;
    }
    const body = Buffer.from(route.body);
    setTimeout(() => {
      response.writeHead(route.status ?? 200, { "content-length": body.length });
      if (route.stallAfter === undefined) response.end(body);
      else response.write(body.subarray(0, route.stallAfter));
    }, route.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/releases/download`,
    routes,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A release-shaped archive, as wasm-bindgen's release workflow makes them: one folder
 * `wasm-bindgen-<version>-<target>/` holding the CLI (`executable`, a real one), the
 * other tools and the docs; and its `.sha256sum` as `sha256sum` writes it.
 */
export async function releaseFiles(
  version: string,
  target: string,
  executable: string,
  scratch: string,
): Promise<{ archive: Buffer; checksum: string; archivePath: string; checksumPath: string }> {
  const { folder, archiveUrl } = releaseArchive("http://host/releases/download", version, target);
  const staging = path.join(scratch, `staging-${version}-${target}`);
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(path.join(staging, folder), { recursive: true });
  fs.copyFileSync(executable, path.join(staging, folder, target.includes("windows") ? "wasm-bindgen.exe" : "wasm-bindgen"));
  fs.writeFileSync(path.join(staging, folder, "wasm-bindgen-test-runner"), "#!/bin/sh\n");
  fs.writeFileSync(path.join(staging, folder, "README.md"), "wasm-bindgen\n");
  const file = path.join(scratch, `${folder}.tar.gz`);
  await tar.c({ gzip: true, cwd: staging, file, portable: true }, [folder]);
  const archive = fs.readFileSync(file);
  const urlPath = new URL(archiveUrl).pathname;
  return {
    archive,
    checksum: `${sha256(archive)}  gh-release/${folder}.tar.gz\n`,
    archivePath: urlPath,
    checksumPath: `${urlPath}.sha256sum`,
  };
}

export function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
