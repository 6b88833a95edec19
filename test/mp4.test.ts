/**
 * MP4 writer on synthetic fragments, checked with mp4box.js as the oracle: box layout, codec strings,
 * sample counts, sync flags, bytes and presentation times (edit lists applied), for the flat clip and
 * for fragmented MP4; plus a property test over random sample sets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CheckedFragment } from '../src/codecs/types.js';
import type { MkvFrame } from '../src/mkv/types.js';
import { ResourceNotFoundException } from '../src/errors.js';
import { box, fullBox, serialize, u32, u64 } from '../src/mp4/boxes.js';
import { concatBytes } from '../src/bytes.js';
import { createFragmentedMuxer } from '../src/mp4/index.js';
import { buildFlatClip } from './support/flat-clip.js';
import type { Mp4SegmentChunks } from '../src/api/types.js';
import { aacConfig, alawConfig, fragment, frame, videoConfig } from './support/mp4-synthetic.js';
import { hasFfmpeg, packets, tempFile } from './support/oracle-ffmpeg.js';
import { parseMp4, presentationSeconds, type ParsedMp4 } from './support/oracle-mp4box.js';

function fragmented(fragments: CheckedFragment[]) {
  const mux = createFragmentedMuxer();
  const segments = [...fragments.flatMap((f) => mux.push(f)), ...mux.end()];
  return { segments, bytes: concat(segments.map(segmentData)) };
}

const segmentData = (s: Mp4SegmentChunks): Uint8Array => concatBytes(s.chunks, s.byteLength);

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.byteLength;
  }
  return out;
}

/** Each input frame with its expected presentation time in seconds (from the clip's origin). */
function expectedFrames(fragments: CheckedFragment[], track: number) {
  const all = fragments.flatMap((f) =>
    f.frames.map((fr) => ({ fr, ms: f.producerTimestamp! - fragments[0].producerTimestamp! + (fr.timestamp - f.clusterTimecode!) })),
  );
  const origin = Math.min(...fragments[0].frames.map((fr) => fr.timestamp - fragments[0].clusterTimecode!));
  return all.filter((x) => x.fr.track === track).map((x) => ({ frame: x.fr, seconds: (x.ms - origin) / 1000 }));
}

function expectSamples(
  parsed: ParsedMp4,
  trackIndex: number,
  expected: { frame: MkvFrame; seconds: number }[],
  toleranceSeconds: number,
  dtsNotAfterPts = true,
) {
  const track = parsed.tracks[trackIndex];
  expect(track.samples.length).toBe(expected.length);
  track.samples.forEach((s, i) => {
    expect(s.data).toEqual(expected[i].frame.data);
    expect(s.sync).toBe(expected[i].frame.keyframe);
    expect(Math.abs(presentationSeconds(track, s) - expected[i].seconds)).toBeLessThanOrEqual(toleranceSeconds);
    if (dtsNotAfterPts) expect(s.dts).toBeLessThanOrEqual(s.cts); // players see dts ≤ pts
  });
}

/** Two KVS fragments: H.264 with B-frames (I P B b …) and AAC, 25 fps, producer timestamps 1 s apart. */
function bframeFragments(): CheckedFragment[] {
  const order = [0, 3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10, 15, 14, 13, 18, 17, 16, 21, 20, 19, 24, 23, 22];
  return [0, 1].map((k) => {
    const tc = k * 7; // cluster timecodes that say nothing useful
    const frames: MkvFrame[] = order.map((p, i) => frame(1, tc + p * 40, i === 0, 100 + i, { discardable: p % 3 === 1 }));
    // 46 AAC frames (981 ms): the next fragment's audio starts 19 ms after this one's ends.
    for (let a = 0; a < 46; a++) frames.push(frame(2, tc + Math.round((a * 1024) / 48), true, 50 + a));
    return fragment({ producerTimestamp: 1_600_000_000_000 + k * 1000, clusterTimecode: tc, frames });
  });
}

describe('box builders', () => {
  it('know their sizes before writing and write exactly that many bytes', () => {
    const b = box('moov', fullBox('mvhd', 1, 0, u64(2 ** 40), u32(7)), box('trak'));
    const bytes = serialize(b);
    expect(bytes.byteLength).toBe(b.size);
    expect(b.size).toBe(8 + 12 + 8 + 4 + 8);
    expect(new DataView(bytes.buffer).getUint32(20)).toBe(2 ** 8); // high word of 2^40
    expect(new TextDecoder().decode(bytes.subarray(4, 8))).toBe('moov');
  });
});

describe('flat clip', () => {
  it('writes ftyp, moov, mdat with the right codecs, samples, flags and presentation times', () => {
    const input = bframeFragments();
    const clip = buildFlatClip(input);
    const parsed = parseMp4(clip.bytes());
    expect(parsed.boxes).toEqual(['ftyp', 'moov', 'mdat']);
    expect(parsed.tracks.map((t) => t.codec)).toEqual(['avc1.64001f', 'mp4a.40.2']);
    expect(parsed.tracks[0].timescale).toBe(90_000);
    expect(parsed.tracks[1].timescale).toBe(48_000);
    expect(parsed.tracks[0].width).toBe(320);
    expect(parsed.tracks[1].channels).toBe(2);
    expectSamples(parsed, 0, expectedFrames(input, 1), 1e-9);
    // Audio: 1024-sample steps from its first frame; input times were rounded to ms.
    expectSamples(parsed, 1, expectedFrames(input, 2), 0.0006);
    // B-frames: the edit list skips the reorder delay (2 frames) so presentation starts at 0.
    expect(parsed.tracks[0].edits).toEqual([{ segmentDuration: 2 * 90_000, mediaTime: 2 * 3600 }]);
    // Disposable frames are marked in sdtp.
    const video = parsed.tracks[0].samples;
    expect(video.filter((s) => s.isDependedOn === 2).length).toBe(2 * 8);
    expect(video[0].dependsOn).toBe(2);
    expect(video[1].dependsOn).toBe(1);
  });

  it('is a list of chunks whose payloads are views of the input (no copies)', () => {
    const input = bframeFragments();
    const clip = buildFlatClip(input);
    const frames = input.flatMap((f) => [...f.frames.filter((x) => x.track === 1), ...f.frames.filter((x) => x.track === 2)]);
    expect(clip.chunks.length).toBe(frames.length + 1);
    frames.forEach((fr, i) => expect(clip.chunks[i + 1]).toBe(fr.data));
    expect(clip.byteLength).toBe(clip.chunks.reduce((n, c) => n + c.byteLength, 0));
    expect(clip.bytes()).toEqual(concat(clip.chunks));
  });

  it('uses co64 when chunk offsets pass 4 GiB, still without copying payloads', () => {
    // 8 fragments of 10 samples viewing one 64 MiB buffer: a 5 GiB clip that exists only as chunks.
    const big = new Uint8Array(64 * 1024 * 1024);
    const fragments = Array.from({ length: 8 }, (_, k) =>
      fragment({
        producerTimestamp: k * 400,
        clusterTimecode: 0,
        frames: Array.from({ length: 10 }, (_, i) => ({ track: 1, timestamp: i * 40, keyframe: i === 0, data: big })),
        configs: [videoConfig],
      }),
    );
    const clip = buildFlatClip(fragments);
    expect(clip.byteLength).toBeGreaterThan(2 ** 32);
    expect(clip.chunks.slice(1).every((c) => c === big)).toBe(true);
    const header = clip.chunks[0];
    const parsed = parseMp4(header); // the moov is complete in the header chunk
    expect(parsed.info.tracks[0].nb_samples).toBe(80);
    const text = new TextDecoder('latin1').decode(header);
    expect(text.includes('co64')).toBe(true);
    expect(text.includes('stco')).toBe(false);
    // The mdat header uses the 64-bit size.
    const mdatAt = header.byteLength - 16;
    const view = new DataView(header.buffer, header.byteOffset);
    expect(view.getUint32(mdatAt)).toBe(1);
    expect(text.slice(mdatAt + 4, mdatAt + 8)).toBe('mdat');
    expect(view.getUint32(mdatAt + 8) * 2 ** 32 + view.getUint32(mdatAt + 12)).toBe(clip.byteLength - header.byteLength + 16);
  });

  it('puts an empty edit before a track that starts after the clip does, and writes G.711 entries', () => {
    const f = fragment({
      producerTimestamp: 0,
      clusterTimecode: 0,
      configs: [videoConfig, alawConfig],
      frames: [frame(1, 100, true), frame(2, 0, true, 160), frame(2, 20, true, 160), frame(1, 140, false), frame(2, 40, true, 160)],
    });
    const parsed = parseMp4(buildFlatClip([f]).bytes());
    expect(parsed.tracks.map((t) => t.codec)).toEqual(['avc1.64001f', 'alaw']);
    expect(parsed.tracks[1].timescale).toBe(8000);
    expect(parsed.tracks[0].edits[0]).toEqual({ segmentDuration: 100 * 90, mediaTime: -1 });
    expect(presentationSeconds(parsed.tracks[0], parsed.tracks[0].samples[0])).toBeCloseTo(0.1, 9);
    expect(parsed.tracks[1].samples.map((s) => s.dts)).toEqual([0, 160, 320]);
  });

  it('writes pasp and a stretched display width for non-square pixels, and hvc1 for HEVC', () => {
    const hevc = {
      ...videoConfig,
      codec: 'hevc' as const,
      sampleEntry: 'hvc1' as const,
      codecString: 'hvc1.1.6.L93.B0',
      sarWidth: 4,
      sarHeight: 3,
    };
    // A minimal hvcC: 23-byte header (general profile 1, level 93), no arrays.
    hevc.decoderConfig = new Uint8Array([1, 1, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 93, 0xf0, 0, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0, 0x0f, 0]);
    const clip = buildFlatClip([
      fragment({ producerTimestamp: 0, frames: [frame(1, 0, true), frame(1, 40, false)], configs: [hevc] }),
    ]).bytes();
    const track = parseMp4(clip).tracks[0];
    expect(track.codec.startsWith('hvc1.1.')).toBe(true);
    expect([track.width, track.height]).toEqual([320, 240]);
    expect([track.trackWidth, track.trackHeight]).toEqual([427, 240]);
    const text = new TextDecoder('latin1').decode(clip);
    const pasp = text.indexOf('pasp');
    expect(pasp).toBeGreaterThan(0);
    const view = new DataView(clip.buffer, clip.byteOffset);
    expect([view.getUint32(pasp + 4), view.getUint32(pasp + 8)]).toEqual([4, 3]);
  });

  it('refuses to write a clip without frames', () => {
    expect(() => buildFlatClip([fragment({ producerTimestamp: 0, frames: [] })])).toThrow(ResourceNotFoundException);
  });
});

describe('fragmented MP4', () => {
  it('init segment then one moof+mdat per fragment, same samples and times as the input', () => {
    const input = bframeFragments();
    const { segments, bytes } = fragmented(input);
    expect(segments.map((s) => s.type)).toEqual(['init', 'media', 'media']);
    expect(segments[1].fragmentNumber).toBe(input[0].fragmentNumber);
    expect(segments[2].producerTimestamp).toBe(input[1].producerTimestamp);
    expect(segments[0].mimeType).toBe('video/mp4; codecs="avc1.64001f,mp4a.40.2"');
    expect(segments[0].codecs).toEqual(['avc1.64001f', 'mp4a.40.2']);
    const parsed = parseMp4(bytes);
    expect(parsed.boxes).toEqual(['ftyp', 'moov', 'prft', 'moof', 'mdat', 'prft', 'moof', 'mdat']);
    expect(parsed.info.isFragmented).toBe(true);
    expect(parsed.tracks.map((t) => t.codec)).toEqual(['avc1.64001f', 'mp4a.40.2']);
    expectSamples(parsed, 0, expectedFrames(input, 1), 1e-9);
    expectSamples(parsed, 1, expectedFrames(input, 2), 0.0006);
    // The init segment's edit shifts presentation back by the reorder delay.
    expect(parsed.tracks[0].edits).toEqual([{ segmentDuration: 0, mediaTime: 2 * 3600 }]);
    expect(parsed.tracks[1].edits).toEqual([]);
  });

  it('hands each segment out as its fragment is pushed (docs/kvs-mkv.md#streams-and-live), and each decodes on its own after the init segment', () => {
    const input = bframeFragments();
    const mux = createFragmentedMuxer();
    const afterFirst = mux.push(input[0]);
    expect(afterFirst.map((s) => s.type)).toEqual(['init', 'media']);
    const afterSecond = mux.push(input[1]);
    expect(afterSecond.map((s) => s.type)).toEqual(['media']);
    expect(mux.end()).toEqual([]);
    const second = parseMp4(concat([segmentData(afterFirst[0]), segmentData(afterSecond[0])]));
    expect(second.tracks[0].samples.length).toBe(25);
    expect(presentationSeconds(second.tracks[0], second.tracks[0].samples[0])).toBeCloseTo(1, 9);
  });
});

describe('a track missing from a segment', () => {
  const a = fragment({ producerTimestamp: 0, clusterTimecode: 0, frames: [frame(1, 0, true), frame(1, 20, false), frame(2, 0, true)] });
  const b = fragment({ producerTimestamp: 40, clusterTimecode: 977, frames: [frame(1, 977, true)] });
  const c = fragment({
    producerTimestamp: 60,
    clusterTimecode: 1954,
    frames: [frame(1, 1954, true), frame(1, 1974, false), frame(2, 1954, true)],
  });

  it('flat clip: the gap before the track resumes is absorbed by its previous sample', () => {
    const audio = parseMp4(buildFlatClip([a, b, c]).bytes()).tracks[1];
    expect(audio.samples.map((s) => [s.dts, s.duration])).toEqual([
      [0, 60 * 48],
      [60 * 48, 1024],
    ]);
  });

  it.skipIf(!hasFfmpeg)('fMP4: the track resumes at its real time through tfdt (ffprobe reads it, as Chrome does)', () => {
    const path = tempFile('missing-track.mp4', fragmented([a, b, c]).bytes);
    const audio = packets(path).filter((p) => p.codecType === 'audio');
    expect(audio.map((p) => p.pts)).toEqual([0, 0.06]);
  });
});

describe('remux preserves every frame (property)', () => {
  /** Random KVS-like fragments: GOPs with random reordering, audio with ms-rounded times. */
  const arbFragments = fc
    .record({
      fps: fc.constantFrom(25, 30, 50),
      gops: fc.array(fc.array(fc.integer({ min: 1, max: 2000 }), { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 5 }),
      reorder: fc.integer({ min: 0, max: 3 }),
      audio: fc.boolean(),
      gapMs: fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 5, maxLength: 5 }),
      seed: fc.integer(),
    })
    .map(({ fps, gops, reorder, audio, gapMs, seed }) => {
      const step = 1000 / fps;
      let startMs = 1_500_000_000_000;
      let rand = seed;
      const next = () => (rand = (rand * 1103515245 + 12345) & 0x7fffffff);
      return gops.map((sizes, g) => {
        const n = sizes.length;
        // Presentation order within the GOP: key frame first in decode order, later frames shuffled
        // within windows of `reorder + 1` (what B-frame encoders do).
        const pts = Array.from({ length: n }, (_, i) => i);
        for (let i = 1; i < n; i += reorder + 1) {
          const w = pts.slice(i, Math.min(n, i + reorder + 1));
          for (let j = w.length - 1; j > 0; j--) {
            const k = next() % (j + 1);
            [w[j], w[k]] = [w[k], w[j]];
          }
          pts.splice(i, w.length, ...w);
        }
        const tc = (g * 977) % 5000; // restarting, meaningless cluster timecodes
        const frames: MkvFrame[] = pts.map((p, i) => frame(1, tc + Math.round(p * step), i === 0, sizes[i]));
        const durationMs = n * step;
        if (audio) {
          // At least one audio frame per fragment: a track missing from a segment resumes with a
          // tfdt jump, which mp4box.js does not read after the first fragment (tested apart below).
          const count = Math.max(1, Math.floor(durationMs / (1024 / 48)));
          for (let a = 0; a < count; a++) frames.push(frame(2, tc + Math.round((a * 1024) / 48), true, 20 + (a % 7)));
        }
        const f = fragment({
          producerTimestamp: startMs,
          clusterTimecode: tc,
          frames,
          configs: audio ? [videoConfig, aacConfig] : [videoConfig],
        });
        startMs += Math.ceil(durationMs) + gapMs[g];
        return f;
      });
    });

  it('flat and fragmented output carry every frame byte for byte at its input time', () => {
    fc.assert(
      fc.property(arbFragments, (input) => {
        const flat = parseMp4(buildFlatClip(input).bytes());
        const frag = parseMp4(fragmented(input).bytes);
        for (const parsed of [flat, frag]) {
          // fMP4 takes its reorder delay from the first segment; a deeper reorder later is carried
          // by signed trun offsets, so dts ≤ pts is only guaranteed for the flat clip.
          expectSamples(parsed, 0, expectedFrames(input, 1), 1e-9, parsed === flat);
          if (input[0].configs.length > 1) expectSamples(parsed, 1, expectedFrames(input, 2), 1024 / 48_000 / 2 + 1e-9);
        }
      }),
      { numRuns: 60 },
    );
  });
});
