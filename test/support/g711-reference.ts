/**
 * G.711 expansion for test expectations, written independently of src/audio/g711.ts: the classic
 * bit-twiddling form of CCITT's reference decoder (Sun Microsystems' g711.c, alaw2linear and
 * ulaw2linear), not the segment/step formula src uses. test/audio-wav.test.ts checks all 512 codes
 * against ffmpeg's pcm_alaw / pcm_mulaw decoders, so the expectation rests on ffmpeg, not on us.
 */

export type Law = 'alaw' | 'ulaw';

function alawToLinear(code: number): number {
  const a = code ^ 0x55;
  let t = (a & 0x0f) << 4;
  const segment = (a & 0x70) >> 4;
  if (segment === 0) t += 8;
  else if (segment === 1) t += 0x108;
  else t = (t + 0x108) << (segment - 1);
  return a & 0x80 ? t : -t;
}

const BIAS = 0x84;

function ulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const t = (((u & 0x0f) << 3) + BIAS) << ((u & 0x70) >> 4);
  return u & 0x80 ? BIAS - t : t - BIAS;
}

/** Every byte as its 16-bit linear sample. */
export function expandReference(law: Law, bytes: Uint8Array): Int16Array {
  const decode = law === 'alaw' ? alawToLinear : ulawToLinear;
  return Int16Array.from(bytes, decode);
}
