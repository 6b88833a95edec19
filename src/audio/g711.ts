/**
 * G.711 expansion: A-law and µ-law bytes to 16-bit linear PCM (ITU-T G.711, Tables 1a/2a and 1b/2b).
 *
 * Each of the 256 codes of a law decodes to one fixed value, so expansion is a table lookup; the
 * tables are built once, when the module loads, from the law's segment/step definition:
 *
 * - A-law: the even bits of the code are inverted on the line (XOR 0x55). Bit 7 is the sign (1 =
 *   positive), bits 6-4 the segment s, bits 3-0 the step q. The magnitude, in units of the 13-bit
 *   range, is the middle of the step's decision interval: 2q + 1 in segment 0, (2q + 33) << (s - 1)
 *   above. Scaled to 16 bits (<< 3) that is at most 32256.
 * - µ-law: every bit of the code is inverted on the line. Bit 7 is the sign (1 = negative), bits 6-4
 *   the segment s, bits 3-0 the step q. The magnitude in the 14-bit range is ((2q + 33) << s) - 33;
 *   scaled to 16 bits (<< 2) that is at most 32124. Codes 0x7f and 0xff both decode to 0.
 *
 * These are the values ffmpeg's `pcm_alaw` / `pcm_mulaw` decoders give (test/audio-g711.test.ts
 * compares all 512 codes with ffmpeg's output).
 */

/** Which G.711 companding law. */
export type G711Law = 'alaw' | 'ulaw';

function buildAlaw(): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) {
    const a = code ^ 0x55;
    const segment = (a >> 4) & 7;
    const step = a & 0x0f;
    const magnitude = segment === 0 ? (2 * step + 1) << 3 : (2 * step + 33) << (segment + 2);
    table[code] = a & 0x80 ? magnitude : -magnitude;
  }
  return table;
}

function buildUlaw(): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) {
    const u = ~code & 0xff;
    const segment = (u >> 4) & 7;
    const step = u & 0x0f;
    const magnitude = (((2 * step + 33) << segment) - 33) << 2;
    table[code] = u & 0x80 ? -magnitude : magnitude;
  }
  return table;
}

/** A-law code → 16-bit linear sample (256 entries). Treat as read-only. */
export const ALAW_TO_PCM16: Int16Array = buildAlaw();
/** µ-law code → 16-bit linear sample (256 entries). Treat as read-only. */
export const ULAW_TO_PCM16: Int16Array = buildUlaw();

/**
 * Expands G.711 bytes (one sample per byte, channels interleaved as they came) to 16-bit linear PCM.
 *
 * @param law `'alaw'` or `'ulaw'`.
 * @param input The G.711 bytes.
 * @param output Where to write; a new `Int16Array(input.length)` when omitted.
 * @param offset Index in `output` of the first sample written (default 0).
 * @returns `output` (or the new array), with `input.length` samples written from `offset`.
 * @throws RangeError when `output` is too short.
 */
export function expandG711(law: G711Law, input: Uint8Array, output?: Int16Array, offset = 0): Int16Array {
  return expandWithTable(law === 'alaw' ? ALAW_TO_PCM16 : ULAW_TO_PCM16, input, output, offset);
}

/** {@link expandG711} for A-law. */
export function expandAlaw(input: Uint8Array, output?: Int16Array, offset = 0): Int16Array {
  return expandWithTable(ALAW_TO_PCM16, input, output, offset);
}

/** {@link expandG711} for µ-law. */
export function expandUlaw(input: Uint8Array, output?: Int16Array, offset = 0): Int16Array {
  return expandWithTable(ULAW_TO_PCM16, input, output, offset);
}

function expandWithTable(table: Int16Array, input: Uint8Array, output: Int16Array | undefined, offset: number): Int16Array {
  const n = input.length;
  const out = output ?? new Int16Array(n);
  if (!Number.isInteger(offset) || offset < 0 || offset + n > out.length) {
    throw new RangeError(`G.711 expansion: ${n} samples do not fit at offset ${offset} of an Int16Array of ${out.length}`);
  }
  for (let i = 0; i < n; i++) out[offset + i] = table[input[i]];
  return out;
}
