/**
 * Reads the JSON lines `cargo --message-format=json` prints on stdout. Pure, so the
 * mapping from cargo's output to our errors is unit-tested on recorded output.
 */

export interface DiagnosticSpan {
  file_name: string;
  line_start: number;
  column_start: number;
  is_primary: boolean;
}

export interface Diagnostic {
  level: string;
  message: string;
  code: { code: string } | null;
  spans: DiagnosticSpan[];
  rendered: string | null;
}

export interface CargoMessages {
  /** `.wasm` files cargo reported for the package, in order. */
  wasmFiles: string[];
  /** rustc diagnostics for the package being built (not for its dependencies' warnings). */
  diagnostics: Diagnostic[];
  /** From `build-finished`; undefined if cargo stopped before saying. */
  success: boolean | undefined;
}

interface CargoMessage {
  reason: string;
  package_id?: string;
  manifest_path?: string;
  filenames?: string[];
  message?: Diagnostic;
  success?: boolean;
}

/** Parses cargo's stdout, keeping what concerns the package whose manifest is given. */
export function parseCargoMessages(stdout: string, manifestPath: string): CargoMessages {
  const result: CargoMessages = { wasmFiles: [], diagnostics: [], success: undefined };
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    let message: CargoMessage;
    try {
      message = JSON.parse(line) as CargoMessage;
    } catch {
      continue; // build scripts may print anything to stdout
    }
    const ours = message.manifest_path === manifestPath;
    if (message.reason === "compiler-artifact" && ours) {
      result.wasmFiles.push(...(message.filenames ?? []).filter((f) => f.endsWith(".wasm")));
    } else if (message.reason === "compiler-message" && message.message) {
      // Errors from any crate stop the build and must be shown; dependencies'
      // warnings are noise the user cannot act on (cargo hides them too).
      if (ours || message.message.level === "error") result.diagnostics.push(message.message);
    } else if (message.reason === "build-finished") {
      result.success = message.success;
    }
  }
  return result;
}

/** The span to point at: the first primary one (rustc marks exactly one per error). */
export function primarySpan(diagnostic: Diagnostic): DiagnosticSpan | undefined {
  return diagnostic.spans.find((s) => s.is_primary) ?? diagnostic.spans[0];
}

/** True for the error rustc gives when the wasm32 std is not installed. */
export function isMissingTargetError(diagnostics: Diagnostic[], target: string): boolean {
  return diagnostics.some(
    (d) =>
      d.level === "error" &&
      /can't find crate for `(core|std|alloc)`/.test(d.message) &&
      (d.rendered ?? "").includes(`\`${target}\` target may not be installed`),
  );
}
