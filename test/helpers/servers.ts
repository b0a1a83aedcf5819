import fs from "node:fs";
import path from "node:path";
import { build, createServer, preview, type InlineConfig, type PreviewServer, type ViteDevServer } from "vite";
import { TMP } from "./fixtures.ts";

/** Starts a Vite dev server on a free port and returns its URL. */
export async function startDevServer(config: InlineConfig): Promise<{ server: ViteDevServer; url: string }> {
  const server = await createServer({
    logLevel: "warn",
    ...config,
    server: { port: 0, strictPort: false, ...config.server },
  });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error("the dev server reported no local URL");
  return { server, url };
}

/** A fresh output folder under the git-ignored scratch space. */
export function tempOutDir(name: string): string {
  fs.mkdirSync(TMP, { recursive: true });
  return fs.mkdtempSync(path.join(TMP, `${name}-`));
}

/** Runs `vite build` and then `vite preview` on its output. */
export async function buildAndPreview(
  config: InlineConfig,
): Promise<{ preview: PreviewServer; url: string; outDir: string }> {
  const outDir = config.build?.outDir ?? tempOutDir("dist");
  await build({ logLevel: "warn", ...config, build: { ...config.build, outDir, emptyOutDir: true } });
  const server = await preview({
    logLevel: "warn",
    ...config,
    build: { ...config.build, outDir },
    preview: { port: 0, ...config.preview },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error("the preview server reported no local URL");
  return { preview: server, url, outDir };
}
