/**
 * A module id without its query (`…/Cargo.toml?init` → `…/Cargo.toml`). Only "?": a
 * resolved id is a file path, and a "#" in it is part of a folder's name.
 */
export function bareId(id: string): string {
  const at = id.indexOf("?");
  return at === -1 ? id : id.slice(0, at);
}

/** An imported Cargo.toml: what the plugin turns into a crate module. */
export const MANIFEST_RE = /(^|[\\/])Cargo\.toml$/;
