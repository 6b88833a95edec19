/** Byte helpers shared by every layer. */

/**
 * Chunks back to back in one buffer of `byteLength` bytes (their total): a new buffer, or the chunk
 * itself when there is only one (nothing to join).
 */
export function concatBytes(chunks: readonly Uint8Array[], byteLength: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(byteLength);
  let pos = 0;
  for (const chunk of chunks) {
    out.set(chunk, pos);
    pos += chunk.byteLength;
  }
  return out;
}
