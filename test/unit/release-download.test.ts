import { describe, expect, test } from "vitest";
import { parseChecksumFile, releaseArchive, releaseTarget } from "../../src/wasm-bindgen/release-download.ts";

describe("wasm-bindgen release archives", () => {
  test.each([
    ["linux", "x64", "0.2.130", "x86_64-unknown-linux-musl"],
    ["linux", "arm64", "0.2.130", "aarch64-unknown-linux-musl"],
    // Before 0.2.104 Linux arm64 had only a glibc build.
    ["linux", "arm64", "0.2.100", "aarch64-unknown-linux-gnu"],
    ["darwin", "x64", "0.2.130", "x86_64-apple-darwin"],
    ["darwin", "arm64", "0.2.130", "aarch64-apple-darwin"],
    ["win32", "x64", "0.2.130", "x86_64-pc-windows-msvc"],
    ["win32", "arm64", "0.2.130", undefined],
    ["freebsd", "x64", "0.2.130", undefined],
    // Releases before 0.2.88 publish no checksum: nothing to verify a download against.
    ["linux", "x64", "0.2.87", undefined],
  ])("%s/%s %s → %s", (platform, arch, version, target) => {
    expect(releaseTarget(version, platform as NodeJS.Platform, arch as NodeJS.Architecture)).toBe(target);
  });

  test("archive and checksum URLs, with the folder inside the archive", () => {
    expect(releaseArchive("https://host/dl/", "0.2.130", "x86_64-unknown-linux-musl")).toEqual({
      folder: "wasm-bindgen-0.2.130-x86_64-unknown-linux-musl",
      archiveUrl: "https://host/dl/0.2.130/wasm-bindgen-0.2.130-x86_64-unknown-linux-musl.tar.gz",
      checksumUrl: "https://host/dl/0.2.130/wasm-bindgen-0.2.130-x86_64-unknown-linux-musl.tar.gz.sha256sum",
    });
  });

  test("the checksum file as sha256sum writes it: the hash is the first field", () => {
    const hash = "ab".repeat(32);
    expect(parseChecksumFile(`${hash}  gh-release/wasm-bindgen-0.2.130-x86_64-unknown-linux-musl.tar.gz\n`)).toBe(hash);
    expect(parseChecksumFile(hash.toUpperCase())).toBe(hash);
    expect(parseChecksumFile("<html>Not Found</html>")).toBeUndefined();
    expect(parseChecksumFile("")).toBeUndefined();
  });
});
