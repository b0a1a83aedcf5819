/**
 * The bytes of a Buffer as a plain Uint8Array view of the same memory. `new
 * Uint8Array(buffer)` would copy them: megabytes per wasm, several times per build.
 */
export function bytesOf(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** A Buffer over a Uint8Array's memory, without copying (Buffer.from(array) would copy). */
export function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
