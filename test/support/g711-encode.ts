/**
 * G.711 compression (16-bit linear → A-law / µ-law), test-only: it makes G.711 bytes out of
 * synthetic signals for the FLAC tests and the bench. Follows the ITU-T G.711 segment layout the
 * decoder in src/audio/g711.ts expands (decision intervals around each decoded value), with the
 * one's-complement magnitude of negative inputs that the ITU-T G.191 reference code uses.
 */

/** One 16-bit sample to its A-law code. */
export function alawCompressSample(x: number): number {
  const negative = x < 0;
  let v = (negative ? ~x : x) >> 4; // 0..2047, the 12-bit magnitude
  let segment = 0;
  if (v > 15) {
    segment = 1;
    while (v > 31) {
      v >>= 1;
      segment++;
    }
    v -= 16;
  }
  const code = (segment << 4) | v | (negative ? 0 : 0x80);
  return code ^ 0x55;
}

/** One 16-bit sample to its µ-law code. */
export function ulawCompressSample(x: number): number {
  const negative = x < 0;
  let biased = ((negative ? ~x : x) >> 2) + 33; // 14-bit magnitude + 33
  if (biased > 0x1fff) biased = 0x1fff;
  const segment = 31 - Math.clz32(biased) - 5; // biased in [32 << s, 64 << s)
  const step = (biased >> (segment + 1)) - 16;
  return ~((negative ? 0x80 : 0) | (segment << 4) | step) & 0xff;
}

/** A whole signal to G.711 bytes. */
export function compressG711(law: 'alaw' | 'ulaw', pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  const f = law === 'alaw' ? alawCompressSample : ulawCompressSample;
  for (let i = 0; i < pcm.length; i++) out[i] = f(pcm[i]);
  return out;
}
