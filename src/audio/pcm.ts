/**
 * 16-bit PCM layout helpers: planar (one Int16Array per channel) ↔ interleaved little-endian bytes,
 * the layout of WAV data and of Matroska `A_PCM/INT/LIT`.
 */

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Interleaves channels into little-endian 16-bit bytes (`s16le`): frame i holds channel 0's sample
 * i, then channel 1's, …
 *
 * @param channels One Int16Array per channel.
 * @param length Samples per channel (default: the shortest channel's length).
 * @param output Where to write (at least `length * channels * 2` bytes from `offset`); new when omitted.
 * @param offset Byte offset in `output`.
 * @returns `output` (or the new array).
 */
export function interleavePcm16(channels: readonly Int16Array[], length?: number, output?: Uint8Array, offset = 0): Uint8Array {
  const ch = channels.length;
  if (ch === 0) throw new RangeError('interleavePcm16: no channels');
  let n = length ?? Infinity;
  for (const c of channels) {
    if (length === undefined) n = Math.min(n, c.length);
    else if (c.length < n) throw new RangeError(`interleavePcm16: a channel has ${c.length} samples, fewer than ${n}`);
  }
  const bytes = n * ch * 2;
  const out = output ?? new Uint8Array(bytes);
  if (offset < 0 || offset + bytes > out.length)
    throw new RangeError(`interleavePcm16: ${bytes} bytes do not fit at offset ${offset} of ${out.length}`);
  if (ch === 1 && LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(channels[0].buffer, channels[0].byteOffset, bytes), offset);
    return out;
  }
  if (LITTLE_ENDIAN_HOST && (out.byteOffset + offset) % 2 === 0) {
    const view = new Int16Array(out.buffer, out.byteOffset + offset, n * ch);
    for (let c = 0; c < ch; c++) {
      const src = channels[c];
      for (let i = 0, j = c; i < n; i++, j += ch) view[j] = src[i];
    }
    return out;
  }
  for (let c = 0; c < ch; c++) {
    const src = channels[c];
    for (let i = 0, j = offset + 2 * c; i < n; i++, j += 2 * ch) {
      const v = src[i];
      out[j] = v;
      out[j + 1] = v >> 8;
    }
  }
  return out;
}

/**
 * Splits interleaved 16-bit PCM bytes into one Int16Array per channel.
 *
 * @param bytes Interleaved samples; a trailing partial frame is ignored.
 * @param channels Channel count.
 * @param littleEndian true for `s16le` (WAV, `A_PCM/INT/LIT`), false for `s16be` (`A_PCM/INT/BIG`).
 */
export function deinterleavePcm16(bytes: Uint8Array, channels: number, littleEndian = true): Int16Array[] {
  if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`deinterleavePcm16: ${channels} channels`);
  const n = Math.floor(bytes.length / (2 * channels));
  const out: Int16Array[] = [];
  const lo = littleEndian ? 0 : 1;
  const hi = 1 - lo;
  for (let c = 0; c < channels; c++) {
    const dst = new Int16Array(n);
    for (let i = 0, j = 2 * c; i < n; i++, j += 2 * channels) dst[i] = (bytes[j + hi] << 8) | bytes[j + lo];
    out.push(dst);
  }
  return out;
}

/**
 * Little-endian 16-bit samples (`s16le`, channels left interleaved) into `output`, from bytes at any
 * alignment: a Matroska frame is a view anywhere in its chunk.
 *
 * @param bytes The samples' bytes; a trailing odd byte is ignored.
 * @param output At least `bytes.length / 2` samples long.
 */
export function readPcm16le(bytes: Uint8Array, output: Int16Array): void {
  const n = bytes.length >> 1;
  for (let i = 0; i < n; i++) output[i] = ((bytes[2 * i] | (bytes[2 * i + 1] << 8)) << 16) >> 16;
}
