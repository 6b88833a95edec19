/** Byte helpers shared by every layer. */

/** The largest value of an unsigned 32-bit field. */
export const MAX_U32 = 0xffff_ffff;

/**
 * Chunks back to back in one buffer of `byteLength` bytes (their total): a new buffer, or the chunk
 * itself when there is only one (nothing to join) and it is backed by an ArrayBuffer. The result is
 * always ArrayBuffer-backed, which `SourceBuffer.appendBuffer` and `new Blob([…])` require (TS ≥ 5.7
 * types say so; a SharedArrayBuffer view is copied).
 */
export function concatBytes(chunks: readonly Uint8Array[], byteLength: number): Uint8Array<ArrayBuffer> {
  if (chunks.length === 1 && chunks[0].buffer instanceof ArrayBuffer) return chunks[0] as Uint8Array<ArrayBuffer>;
  const out = new Uint8Array(byteLength);
  let pos = 0;
  for (const chunk of chunks) {
    out.set(chunk, pos);
    pos += chunk.byteLength;
  }
  return out;
}

/** Whether two byte sequences are the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether two optional byte sequences say the same: absent and empty alike, else the same bytes. */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!a || a.length === 0) return !b || b.length === 0;
  return b !== undefined && equalBytes(a, b);
}
