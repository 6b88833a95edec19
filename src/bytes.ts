/** Byte helpers shared by every layer. */

/** Chunks copied back to back into one new buffer of `byteLength` bytes (their total). */
export function concatBytes(chunks: readonly Uint8Array[], byteLength: number): Uint8Array {
  const out = new Uint8Array(byteLength);
  let pos = 0;
  for (const chunk of chunks) {
    out.set(chunk, pos);
    pos += chunk.byteLength;
  }
  return out;
}
