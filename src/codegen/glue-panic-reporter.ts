import { INSTALL_HOOK_EXPORT, PANIC_IMPORT_MODULE } from "../panic-hook/hook-source.ts";
import { PLUGIN_NAME } from "../utils/error.ts";

export { PANIC_IMPORT_MODULE };

/** The id the bare panic import resolves to when the glue was not patched (see panicFallbackModuleCode). */
export const PANIC_FALLBACK_ID = `\0${PANIC_IMPORT_MODULE}`;

/** Where a crate's panics point: relative panic locations are relative to its workspace root. */
export interface PanicReporterCrate {
  /** The package name, shown in the message. */
  name: string;
  /**
   * The crate's workspace root (`CrateInfo.workspaceRoot`): cargo runs rustc there, so
   * a member's panic location reads `member/src/lib.rs`. Absolute locations
   * (dependencies from the registry, path dependencies outside) stay as they are.
   */
  workspaceRoot: string;
}

export interface PanicReporterOptions {
  /** Open Vite's error overlay on a panic (in a page, when Vite's client defined it); false for `server.hmr.overlay: false`. */
  overlay?: boolean;
}

// `import * as import1 from "__vite_plugin_crate_panic"`: how wasm-bindgen 0.2.130 imports a wasm import module it does not know.
const IMPORT_RE = new RegExp(`^import \\* as ([\\w$]+) from (["'])${PANIC_IMPORT_MODULE}\\2;?[ \\t]*$`, "m");
// Its start call takes no argument unless the crate uses threads (a stack size for
// workers): the hook must not run before a worker's stack is set up, so only this form.
const START_RE = /^([ \t]*)wasm\.__wbindgen_start\(\);[ \t]*$/gm;
const INSTANCE_RE = /^([ \t]*)wasm = instance\.exports;[ \t]*$/gm;

/**
 * Makes Rust panics in a dev build say what happened. The build linked a panic hook
 * into the crate (panic-hook/hook-object.ts) that calls `report_panic` from the
 * `__vite_plugin_crate_panic` import module; this patch replaces the glue's import of
 * that module with an object whose `report_panic` reads the message and location from
 * the wasm memory and reports them (see reportRustPanic), and installs the hook when
 * the instance is ready, before `__wbindgen_start`, so that a hook the crate sets in
 * its own `#[wasm_bindgen(start)]` (console_error_panic_hook) replaces ours.
 *
 * Text work on wasm-bindgen's output, like withReleaseExport: glue without the import
 * (a release build, a raw crate) or whose shape this does not recognize comes back
 * unchanged; the import then resolves to panicFallbackModuleCode.
 */
export function withPanicReporter(glueJs: string, crate: PanicReporterCrate, options: PanicReporterOptions = {}): string {
  const importMatch = IMPORT_RE.exec(glueJs);
  if (!importMatch) return glueJs;
  const starts = [...glueJs.matchAll(START_RE)];
  const anchor = starts.length === 1 ? starts[0]! : undefined;
  let install: { at: number; line: string };
  if (anchor) {
    install = { at: anchor.index, line: `${anchor[1]}wasm.${INSTALL_HOOK_EXPORT}?.();\n` };
  } else {
    // No start function at all (no externref table, no `start`): right after the instance is known.
    const instances = [...glueJs.matchAll(INSTANCE_RE)];
    if (glueJs.includes("__wbindgen_start(") || instances.length !== 1) return glueJs;
    const instance = instances[0]!;
    install = { at: instance.index + instance[0].length + 1, line: `${instance[1]}wasm.${INSTALL_HOOK_EXPORT}?.();\n` };
  }
  const settings = JSON.stringify({ name: crate.name, workspaceRoot: crate.workspaceRoot, overlay: options.overlay ?? true });
  const reporter = [
    `// Added by ${PLUGIN_NAME} (see src/codegen/glue-panic-reporter.ts): reports Rust panics with their message.`,
    `const __vitePluginCrateReportPanic = ${reportRustPanic.toString()};`,
    `const ${importMatch[1]} = { __proto__: null, report_panic: (...args) => __vitePluginCrateReportPanic(wasm.memory, args, ${settings}) };`,
  ].join("\n");
  const importEnd = importMatch.index + importMatch[0].length;
  // The install point always comes after the import (the import is the glue's first statement).
  return (
    glueJs.slice(0, importMatch.index) +
    reporter +
    glueJs.slice(importEnd, install.at) +
    install.line +
    glueJs.slice(install.at)
  );
}

/**
 * The module the bare `__vite_plugin_crate_panic` import resolves to when
 * withPanicReporter did not patch a glue (a wasm-bindgen whose output it does not
 * recognize): the wasm still instantiates. Nothing installs the hook then, so
 * `report_panic` is never called; panics are bare `RuntimeError: unreachable` as
 * without the hook.
 */
export function panicFallbackModuleCode(): string {
  return [
    `// ${PLUGIN_NAME}: stands in for the panic reporter the glue could not be given (see src/codegen/glue-panic-reporter.ts).`,
    "export function report_panic() {}",
    "",
  ].join("\n");
}

/**
 * wasm-bindgen's declarations without the hook's install export: it is in dev builds
 * only, and `Cargo.toml.d.ts` (its `InitOutput` lists the raw exports) must be the same
 * in dev and in builds, or `dts: "check"` fails after a dev session.
 */
export function withoutPanicHookDeclaration(glueDts: string): string {
  return glueDts.replace(new RegExp(`^[ \\t]*readonly ${INSTALL_HOOK_EXPORT}: \\(\\) => void;\\r?\\n`, "m"), "");
}

/**
 * Runs in the page (shipped as its source text, so it must not refer to anything
 * outside itself). Reads the panic's message and location out of the wasm memory,
 * logs them with the stack of Rust functions that led there (the name section names
 * them in dev builds), and opens Vite's error overlay. It must never throw: std would
 * stay marked as inside its panic hook.
 */
function reportRustPanic(
  memory: WebAssembly.Memory | undefined,
  args: number[],
  settings: { name: string; workspaceRoot: string; overlay: boolean },
): void {
  try {
    const [messagePtr = 0, messageLength = 0, filePtr = 0, fileLength = 0, line = 0, column = 0] = args;
    const read = (ptr: number, length: number): string => {
      try {
        // A copy: TextDecoder refuses views of a shared (threads) memory.
        return new TextDecoder().decode(new Uint8Array(memory!.buffer, ptr >>> 0, length >>> 0).slice());
      } catch {
        return "";
      }
    };
    const message = read(messagePtr, messageLength) || "(the panic message could not be read)";
    const file = read(filePtr, fileLength);
    const where = file ? `${file}:${line >>> 0}:${column >>> 0}` : "an unknown location";
    const head = `${settings.name} panicked at ${where}:\n${message}`;

    // V8 keeps 10 frames by default, and std's panic machinery alone takes about 8
    // (Firefox has no such limit; Safari keeps 100).
    const limit = Error.stackTraceLimit;
    if (typeof limit === "number") Error.stackTraceLimit = Math.max(limit, 100);
    const captured = new Error(head).stack ?? "";
    if (typeof limit === "number") Error.stackTraceLimit = limit;
    // V8 starts the stack with "Error: <message>"; Firefox and Safari list frames only.
    const header = `Error: ${head}`;
    let frames = (captured.startsWith(header) ? captured.slice(header.length) : captured).split("\n").filter((frame) => frame.trim());
    // Everything up to std's and core's panicking functions is this reporter and the
    // hook: the stack starts at the function that panicked.
    let last = -1;
    frames.forEach((frame, index) => {
      if (/::panicking::|rust_begin_unwind|__rust_start_panic/.test(frame)) last = index;
    });
    if (last >= 0) frames = frames.slice(last + 1);
    // Rust's own backtraces leave out the symbol hashes too.
    const stack = frames.map((frame) => frame.replace(/::h[0-9a-f]{16}\b/g, "")).join("\n");
    console.error(`RustPanic: ${head}${stack ? `\n${stack}` : ""}`);

    const page = globalThis as { document?: Document; customElements?: CustomElementRegistry };
    const Overlay = settings.overlay && page.document?.body ? page.customElements?.get("vite-error-overlay") : undefined;
    // The first panic stays on screen: later ones (a panic every frame) are often its consequences.
    if (!Overlay || page.document!.querySelector("vite-error-overlay")) return;
    const absolute = !file || /^([\\/]|[A-Za-z]:[\\/])/.test(file);
    const separator = settings.workspaceRoot.includes("\\") && !settings.workspaceRoot.includes("/") ? "\\" : "/";
    const location = absolute ? file : `${settings.workspaceRoot.replace(/[\\/]$/, "")}${separator}${file}`;
    page.document!.body.appendChild(
      new Overlay({
        message: head,
        stack,
        plugin: "vite-plugin-crate",
        // Rust's columns, like the editor link Vite makes of them, count from 1.
        ...(file && { id: location, loc: { file: location, line: line >>> 0, column: column >>> 0 } }),
      }),
    );
  } catch {
    // Reporting is best effort; throwing here would break the hook (see above).
  }
}
