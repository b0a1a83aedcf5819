/** An imported Cargo.toml: what the plugin turns into a crate module. */
export const MANIFEST_RE = /(^|[\\/])Cargo\.toml$/;
