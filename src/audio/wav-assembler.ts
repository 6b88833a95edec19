/**
 * Timed audio runs → the interleaved 16-bit samples of one WAV, one channel per track channel in
 * track order (Amazon Connect: left = from the customer, right = to the customer). Each frame is
 * decoded and written where the timeline placed it, so a gap between fragments becomes silence and
 * time in the WAV is wall-clock time from the first sample. Frames are written in time order across
 * tracks into a window of at most MAX_LAG_SECONDS, emitted as it fills: memory is bounded by that
 * window, not by the length of the call or of its gaps.
 */
import { CODECS } from '../codecs/registry.js';
import type { TrackConfig } from '../codecs/types.js';
import { UnsupportedStreamMediaTypeException } from '../errors.js';
import type { TimedSegment, TimedTrack } from '../timeline/types.js';
import { expandG711 } from './g711.js';
import { readPcm16le } from './pcm.js';
import type { WavFormat } from './wav.js';

/** How much audio the window holds before it is emitted: a bound on memory, whatever the gaps. */
const MAX_LAG_SECONDS = 10;

/** Codecs whose frames kvs-clip can turn into 16-bit samples. */
const DECODABLE = new Set(['alaw', 'ulaw', 'pcm']);

/**
 * The WAV format of these audio tracks, or a KVS error saying which track cannot be in it: a codec
 * kvs-clip does not decode (AAC, FLAC), or a sample rate other than the first track's.
 */
export function wavFormatOf(tracks: readonly TrackConfig[]): WavFormat {
  if (tracks.length === 0) throw new UnsupportedStreamMediaTypeException('The stream has no audio track to write as WAV');
  for (const track of tracks) {
    if (!DECODABLE.has(track.codec)) {
      throw new UnsupportedStreamMediaTypeException(
        `Track ${track.trackNumber} is ${CODECS[track.codec].name}, which kvs-clip does not decode to WAV (G.711 and 16-bit PCM only)`,
        { track: track.trackNumber },
      );
    }
  }
  const rate = tracks[0].sampleRate!;
  const other = tracks.find((t) => t.sampleRate !== rate);
  if (other) {
    throw new UnsupportedStreamMediaTypeException(
      `Track ${other.trackNumber} has ${other.sampleRate} Hz and track ${tracks[0].trackNumber} ${rate} Hz: tracks of one WAV must share a sample rate`,
      { track: other.trackNumber },
    );
  }
  return { sampleRate: rate, channels: tracks.reduce((n, t) => n + t.channels!, 0), bitsPerSample: 16 };
}

export class WavAssembler {
  readonly format: WavFormat;
  readonly #tracks: readonly TimedTrack[];
  /** First WAV channel of each track (by track id − 1). */
  readonly #firstChannel: number[];
  readonly #maxLag: number;
  /** Interleaved samples of positions [#emitted, #emitted + #window.length / channels). */
  #window = new Int16Array(0);
  #emitted = 0;
  /** Position after each track's last written sample (by track id − 1). */
  readonly #ends: number[];
  #scratch = new Int16Array(0);

  constructor(tracks: readonly TimedTrack[]) {
    this.format = wavFormatOf(tracks.map((t) => t.config));
    this.#tracks = tracks;
    this.#firstChannel = [];
    let channel = 0;
    for (const track of tracks) {
      this.#firstChannel.push(channel);
      channel += track.config.channels!;
    }
    this.#ends = tracks.map(() => 0);
    this.#maxLag = this.format.sampleRate * MAX_LAG_SECONDS;
  }

  /**
   * Writes a segment's runs, frame by frame in time order across tracks; returns the samples
   * (s16le bytes) that became final.
   */
  push(segment: TimedSegment): Uint8Array[] {
    const out: Uint8Array[] = [];
    const runs = segment.runs;
    const next = runs.map(() => 0);
    const positions = runs.map((run) => run.baseDts);
    for (;;) {
      let r = -1;
      for (let k = 0; k < runs.length; k++) if (next[k] < runs[k].data.length && (r < 0 || positions[k] < positions[r])) r = k;
      if (r < 0) break;
      const run = runs[r];
      const i = next[r]++;
      const position = positions[r];
      // Everything before this frame is written (time order): a window that would grow past the
      // lag is emitted first, so a gap of any length costs no memory.
      if (position - this.#emitted > this.#maxLag) this.#emit(position, out);
      const slot = run.trackId - 1;
      this.#writeFrame(slot, this.#tracks[slot].config, run.data[i], position, run.durations[i]);
      positions[r] += run.durations[i];
      this.#ends[slot] = Math.max(this.#ends[slot], positions[r]);
    }
    return out;
  }

  /** The samples still held (every track's tail; silence where a track stopped early). */
  end(): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.#emit(Math.max(...this.#ends), out);
    return out;
  }

  #writeFrame(slot: number, config: TrackConfig, data: Uint8Array, position: number, duration: number): void {
    const channels = config.channels!;
    const count = config.codec === 'pcm' ? data.length >> 1 : data.length;
    // A frame placed over the end of its predecessor (backward times) keeps its own length up to the next frame.
    const frames = Math.min(count / channels, duration);
    if (this.#scratch.length < count) this.#scratch = new Int16Array(count);
    const samples = this.#scratch;
    if (config.codec === 'pcm') readPcm16le(data, samples);
    else expandG711(config.codec === 'alaw' ? 'alaw' : 'ulaw', data, samples);
    const start = Math.max(position, this.#emitted);
    const skip = start - position;
    if (skip >= frames) return; // already emitted: a track that arrived too late for its place
    this.#reserve(position + frames);
    const width = this.format.channels;
    const first = this.#firstChannel[slot];
    let at = (start - this.#emitted) * width + first;
    for (let f = skip; f < frames; f++, at += width) {
      for (let c = 0; c < channels; c++) this.#window[at + c] = samples[f * channels + c];
    }
  }

  /** Grows the window to hold positions up to `end` (new space is silence). */
  #reserve(end: number): void {
    const needed = (end - this.#emitted) * this.format.channels;
    if (needed <= this.#window.length) return;
    const grown = new Int16Array(Math.max(needed, 2 * this.#window.length));
    grown.set(this.#window);
    this.#window = grown;
  }

  /**
   * Hands out positions up to `position` as little-endian bytes: the window's samples, then silence
   * (views of one zero buffer) for whatever lies beyond it; the window slides to `position`.
   */
  #emit(position: number, out: Uint8Array[]): void {
    const frames = position - this.#emitted;
    if (frames <= 0) return;
    const width = this.format.channels;
    const held = Math.min(frames, this.#window.length / width);
    const count = held * width;
    if (count > 0) {
      const bytes = new Uint8Array(count * 2);
      const window = this.#window;
      for (let i = 0; i < count; i++) {
        const v = window[i];
        bytes[2 * i] = v & 0xff;
        bytes[2 * i + 1] = (v >> 8) & 0xff;
      }
      out.push(bytes);
      window.copyWithin(0, count);
      window.fill(0, window.length - count);
    }
    for (let silent = (frames - held) * width * 2; silent > 0; silent -= SILENCE.length) {
      out.push(silent >= SILENCE.length ? SILENCE : SILENCE.subarray(0, silent));
    }
    this.#emitted = position;
  }
}

/** Zero bytes handed out (as views, never written) for silence between fragments. */
const SILENCE = new Uint8Array(1 << 20);
