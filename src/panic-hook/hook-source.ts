/** The wasm import module through which the hook reports a panic to the glue. */
export const PANIC_IMPORT_MODULE = "__vite_plugin_crate_panic";

/** The wasm export that installs the hook; the patched glue calls it before the crate's own start. */
export const INSTALL_HOOK_EXPORT = "__vite_plugin_crate_install_panic_hook";

/**
 * The Rust source of the panic hook that dev builds link into the user's crate (see
 * hook-object.ts). Kept as a string because the package ships `dist` only.
 *
 * Why a hook at all: on wasm32-unknown-unknown, std has no stderr (its panic output is
 * a no-op), so without `console_error_panic_hook` a panic reaches JavaScript as a bare
 * `RuntimeError: unreachable` and its message is lost. This hook hands the message and
 * location to the glue through one import, `report_panic`, which must not throw: the
 * hook would never return, and std would stay marked as inside a panic hook.
 *
 * Edition 2021, so `#[no_mangle]` and `extern` need no `unsafe(…)`; the closure's
 * argument type is inferred, so it builds with `PanicInfo` (before Rust 1.81) and
 * `PanicHookInfo` alike.
 */
export const PANIC_HOOK_SOURCE = `// Linked into dev builds by vite-plugin-crate; not part of the crate's dependency graph.
#[link(wasm_import_module = "${PANIC_IMPORT_MODULE}")]
extern "C" {
    fn report_panic(msg: *const u8, msg_len: usize, file: *const u8, file_len: usize, line: u32, column: u32);
}

#[no_mangle]
pub extern "C" fn ${INSTALL_HOOK_EXPORT}() {
    std::panic::set_hook(Box::new(|info| {
        let msg: &str = if let Some(s) = info.payload().downcast_ref::<&str>() {
            s
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.as_str()
        } else {
            "Box<dyn Any>"
        };
        let (file, line, column) = info.location().map_or(("", 0, 0), |l| (l.file(), l.line(), l.column()));
        unsafe { report_panic(msg.as_ptr(), msg.len(), file.as_ptr(), file.len(), line, column) }
    }));
}
`;
