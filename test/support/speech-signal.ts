/**
 * A deterministic speech-like test signal (no recordings needed): voiced syllables from a glottal
 * pulse train with a wandering pitch (85-240 Hz) through three formant resonators whose frequencies
 * move from one vowel target to the next, unvoiced fricatives from filtered noise, pauses with a
 * low background hiss, and a syllable-rate loudness envelope. Good enough to exercise a lossless
 * coder the way telephone speech does (strong short-term correlation, silences, bursts), not to
 * sound human. Used by the FLAC tests and bench/audio.mjs.
 */

/** Small fast PRNG (mulberry32) so every run makes the same signal. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Vowel formant targets (Hz): F1, F2, F3. */
const VOWELS = [
  [730, 1090, 2440],
  [270, 2290, 3010],
  [530, 1840, 2480],
  [300, 870, 2240],
  [640, 1190, 2390],
  [490, 1350, 1690],
];

/** Two-pole resonator state and coefficients. */
class Resonator {
  y1 = 0;
  y2 = 0;
  a1 = 0;
  a2 = 0;
  gain = 0;

  tune(freq: number, bandwidth: number, rate: number): void {
    const f = Math.min(freq, rate * 0.45);
    const r = Math.exp((-Math.PI * bandwidth) / rate);
    this.a1 = 2 * r * Math.cos((2 * Math.PI * f) / rate);
    this.a2 = -r * r;
    this.gain = 1 - r;
  }

  step(x: number): number {
    const y = this.gain * x + this.a1 * this.y1 + this.a2 * this.y2;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

/**
 * `seconds` of speech-like 16-bit audio at `sampleRate`, peaking near `peak` (default 20000).
 */
export function speechLikeSignal(seconds: number, sampleRate: number, seed = 1, peak = 20000): Int16Array {
  const rand = prng(seed);
  const n = Math.round(seconds * sampleRate);
  const out = new Float64Array(n);
  const formants = [new Resonator(), new Resonator(), new Resonator()];
  const fricative = new Resonator();
  let i = 0;
  let vowel = VOWELS[0];
  let pitch = 120 + 60 * rand();
  let phase = 0;
  while (i < n) {
    // A segment: pause, fricative or voiced syllable.
    const kind = rand();
    const length = Math.round(sampleRate * (kind < 0.2 ? 0.05 + 0.35 * rand() : kind < 0.35 ? 0.04 + 0.08 * rand() : 0.12 + 0.2 * rand()));
    const end = Math.min(n, i + length);
    if (kind < 0.2) {
      for (; i < end; i++) out[i] = (rand() - 0.5) * 0.002;
      continue;
    }
    if (kind < 0.35) {
      fricative.tune(2500 + 2000 * rand(), 1500, sampleRate);
      const start = i;
      for (; i < end; i++) {
        const env = Math.sin((Math.PI * (i - start)) / length);
        out[i] = fricative.step((rand() - 0.5) * 2) * 0.6 * env;
      }
      continue;
    }
    const from = vowel;
    vowel = VOWELS[Math.floor(rand() * VOWELS.length)];
    const loud = 0.4 + 0.6 * rand();
    const start = i;
    const pitchEnd = 85 + 155 * rand();
    const pitchStart = pitch;
    for (; i < end; i++) {
      const t = (i - start) / length;
      if ((i - start) % 32 === 0) {
        // Formants glide from the previous vowel to this one; retune every 32 samples.
        for (let f = 0; f < 3; f++) formants[f].tune(from[f] + (vowel[f] - from[f]) * Math.min(1, 2 * t), 60 + 40 * f, sampleRate);
      }
      pitch = pitchStart + (pitchEnd - pitchStart) * t + 3 * Math.sin(2 * Math.PI * 5 * (i / sampleRate));
      phase += pitch / sampleRate;
      let excitation = (rand() - 0.5) * 0.05;
      if (phase >= 1) {
        phase -= 1;
        excitation += 1;
      }
      const env = Math.sin(Math.PI * t) ** 0.5 * loud;
      const s = formants[0].step(excitation) * 1.0 + formants[1].step(excitation) * 0.5 + formants[2].step(excitation) * 0.25;
      out[i] = s * env;
    }
  }
  let max = 0;
  for (let k = 0; k < n; k++) max = Math.max(max, Math.abs(out[k]));
  const scale = max > 0 ? peak / max : 0;
  const pcm = new Int16Array(n);
  for (let k = 0; k < n; k++) pcm[k] = Math.max(-32768, Math.min(32767, Math.round(out[k] * scale)));
  return pcm;
}
