import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CheckedFragment } from '../src/codecs/types.js';
import { InvalidCodecPrivateDataException } from '../src/errors.js';
import { createTimeline, rescale, SAMPLE_SYNC, videoTimescale, type TimedSegment, type TrackRun } from '../src/timeline/index.js';
import { aacConfig, alawConfig, fragment, frame, videoConfig } from './support/mp4-synthetic.js';

function run(fragments: CheckedFragment[], timestamps?: 'producer' | 'server') {
  const t = createTimeline({ timestamps });
  const segments: TimedSegment[] = [];
  for (const f of fragments) segments.push(...t.push(f));
  segments.push(...t.end());
  return { segments, tracks: t.tracks! };
}

/** Decode and presentation times of every sample of a track, across segments. */
function times(segments: TimedSegment[], trackId: number) {
  const out: { dts: number; pts: number; duration: number; sync: boolean }[] = [];
  for (const s of segments) {
    const r = s.runs.find((x) => x.trackId === trackId);
    if (!r) continue;
    let dts = r.baseDts;
    for (let i = 0; i < r.data.length; i++) {
      out.push({ dts, pts: dts + r.ctos[i], duration: r.durations[i], sync: (r.flags[i] & SAMPLE_SYNC) !== 0 });
      dts += r.durations[i];
    }
  }
  return out;
}

function runEnd(r: TrackRun): number {
  return r.durations.reduce((a, d) => a + d, r.baseDts);
}

describe('videoTimescale', () => {
  it('uses 90 kHz when it represents ticks and ms exactly, else the exact tick rate', () => {
    expect(videoTimescale(1_000_000)).toBe(90_000);
    expect(videoTimescale(100_000)).toBe(90_000);
    expect(videoTimescale(2_000_000)).toBe(90_000);
    expect(videoTimescale(1)).toBe(1_000_000_000);
    expect(videoTimescale(1001)).toBe(1_000_000_000);
    expect(videoTimescale(40_000)).toBe(25_000); // 25 kHz ticks: 90 kHz cannot represent them
  });

  it('every tick and every ms is a whole number of timescale units', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000_000 }), (scale) => {
        const ts = videoTimescale(scale);
        expect((scale * ts) % 1e9).toBe(0);
        expect(ts % 1000).toBe(0);
        expect(ts).toBeLessThanOrEqual(1e9);
      }),
    );
  });
});

describe('rescale', () => {
  it('matches exact rational rounding wherever the result is a safe integer', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.constantFrom(1e9, 90_000, 1000),
        fc.constantFrom(48_000, 44_100, 90_000, 8000, 1e9),
        (v, from, to) => {
          fc.pre((v * BigInt(to)) / BigInt(from) < BigInt(Number.MAX_SAFE_INTEGER));
          const exact = (v * BigInt(to) * 2n + BigInt(from)) / (2n * BigInt(from)); // round half up
          expect(rescale(Number(v), from, to)).toBe(Number(exact));
        },
      ),
    );
  });
});

describe('timeline: fragment placement', () => {
  it('places KVS fragments by producer timestamp even when cluster timecodes restart or repeat', () => {
    // Two uploads: timecodes 10014…, then 0, 0 (repeated), producer timestamps increasing.
    const f = (ts: number, tc: number) =>
      fragment({
        producerTimestamp: ts,
        clusterTimecode: tc,
        frames: [0, 33, 67].map((o, i) => frame(1, tc + o, i === 0)),
        configs: [videoConfig],
      });
    const { segments, tracks } = run([f(1517530105_907, 10014), f(1517530112_387, 0), f(1517530113_388, 0)]);
    expect(tracks[0].timescale).toBe(90_000);
    const v = times(segments, 1);
    const ms = v.map((s) => s.pts / 90);
    expect(ms).toEqual([0, 33, 67, 6480, 6513, 6547, 7481, 7514, 7548]);
    // The last frame before a gap lasts until the next fragment: gap-true, no zero durations.
    expect(v[2].duration).toBe((6480 - 67) * 90);
    expect(v.every((s, i) => i === 0 || s.dts > v[i - 1].dts)).toBe(true);
  });

  it('uses SERVER_TIMESTAMP when asked', () => {
    const f = (p: number, s: number) =>
      fragment({
        producerTimestamp: p,
        serverTimestamp: s,
        clusterTimecode: 0,
        frames: [frame(1, 0, true), frame(1, 40, false)],
        configs: [videoConfig],
      });
    const fr = [f(1000_000, 5000_000), f(1001_000, 5003_000)];
    expect(times(run(fr).segments, 1).map((s) => s.pts / 90)).toEqual([0, 40, 1000, 1040]);
    expect(times(run(fr, 'server').segments, 1).map((s) => s.pts / 90)).toEqual([0, 40, 3000, 3040]);
  });

  it('places plain Matroska by cluster timecodes (epoch-ms timecodes stay exact)', () => {
    const epoch = 1703120790149;
    const f = (tc: number) =>
      fragment({
        fragmentNumber: null,
        clusterTimecode: tc,
        frames: [frame(1, tc, true), frame(1, tc + 33, false)],
        configs: [videoConfig],
      });
    const v = times(run([f(epoch), f(epoch + 1500), f(epoch + 3000)]).segments, 1);
    expect(v.map((s) => s.pts / 90)).toEqual([0, 33, 1500, 1533, 3000, 3033]);
  });

  it('starts the clip at the earliest frame of the first fragment, keeping the A/V offset', () => {
    const f = fragment({
      producerTimestamp: 5000,
      clusterTimecode: 100,
      frames: [frame(2, 100, true), frame(1, 121, true), frame(2, 121, true), frame(1, 161, false)],
    });
    const { segments } = run([f]);
    expect(times(segments, 1).map((s) => s.pts)).toEqual([21 * 90, 61 * 90]);
    expect(times(segments, 2).map((s) => s.dts)).toEqual([0, 1024]);
  });

  it('shifts an overlapping fragment as a whole, keeping audio and video together and monotonic', () => {
    const a = fragment({
      producerTimestamp: 10_000,
      clusterTimecode: 0,
      frames: [frame(1, 0, true), frame(2, 0, true), frame(1, 40, false), frame(1, 80, false)],
    });
    // Claims to start at +50 ms although the previous fragment has frames until 80 ms.
    const b = fragment({
      producerTimestamp: 10_050,
      clusterTimecode: 0,
      frames: [frame(1, 0, true), frame(2, 0, true), frame(1, 40, false)],
    });
    const { segments } = run([a, b]);
    const v = times(segments, 1);
    const au = times(segments, 2);
    // The first frame of b follows the last of a by the usual step (40 ms): shift = 80 + 40 − 50 = 70 ms.
    expect(v.map((s) => s.pts / 90)).toEqual([0, 40, 80, 120, 160]);
    expect(au[1].dts / 48).toBe(120);
    expect(v.every((s, i) => i === 0 || s.dts > v[i - 1].dts)).toBe(true);
  });

  it('rejects a track that appears after the first fragment, still delivering what came before', () => {
    const t = createTimeline();
    expect(t.push(fragment({ producerTimestamp: 0, frames: [frame(1, 0, true)], configs: [videoConfig] }))).toEqual([]);
    expect(() => t.push(fragment({ producerTimestamp: 40, frames: [frame(1, 40, true)], configs: [videoConfig, aacConfig] }))).toThrow(
      InvalidCodecPrivateDataException,
    );
    const rest = t.end();
    expect(rest.length).toBe(1);
    expect(rest[0].runs[0].data.length).toBe(1);
  });
});

describe('timeline: video decode times', () => {
  it('derives DTS from sorted PTS per key-frame run; pts − dts is what writers shift', () => {
    // Decode order I P B b P B b with a reference B (pts in frames of 40 ms), then next GOP I 7.
    const order = [0, 3, 2, 1, 6, 5, 4];
    const f1 = fragment({
      producerTimestamp: 0,
      clusterTimecode: 0,
      frames: order.map((p, i) => frame(1, p * 40, i === 0)),
      configs: [videoConfig],
    });
    const f2 = fragment({
      producerTimestamp: 280,
      clusterTimecode: 0,
      frames: [frame(1, 0, true), frame(1, 40, false)],
      configs: [videoConfig],
    });
    const v = times(run([f1, f2]).segments, 1);
    expect(v.map((s) => s.pts / 3600)).toEqual([...order, 7, 8]);
    expect(v.map((s) => s.dts / 3600)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const delay = Math.max(...v.map((s) => s.dts - s.pts));
    expect(delay).toBe(2 * 3600);
    expect(v.every((s) => s.dts - delay <= s.pts)).toBe(true);
    expect(v.every((s) => s.duration === 3600)).toBe(true);
  });

  it('never gives a zero duration, even for repeated timestamps', () => {
    const f = fragment({
      producerTimestamp: 0,
      clusterTimecode: 0,
      frames: [frame(1, 0, true), frame(1, 0, false), frame(1, 40, false)],
      configs: [videoConfig],
    });
    const v = times(run([f]).segments, 1);
    expect(v.every((s) => s.duration > 0)).toBe(true);
    expect(v[1].dts).toBeGreaterThan(v[0].dts);
  });

  it('takes the last duration from BlockDuration, then DefaultDuration, then the usual step', () => {
    const last = (f: CheckedFragment) => times(run([f]).segments, 1).at(-1)!.duration;
    const frames = () => [frame(1, 0, true), frame(1, 40, false), frame(1, 80, false)];
    const withBlockDuration = frames();
    withBlockDuration[2] = frame(1, 80, false, 16, { duration: 25 });
    expect(last(fragment({ producerTimestamp: 0, frames: withBlockDuration, configs: [videoConfig] }))).toBe(25 * 90);
    expect(last(fragment({ producerTimestamp: 0, frames: frames(), configs: [videoConfig], defaultDurationNs: 33_366_667 }))).toBe(3003);
    expect(last(fragment({ producerTimestamp: 0, frames: frames(), configs: [videoConfig] }))).toBe(40 * 90);
  });
});

describe('timeline: audio', () => {
  const fr = (frames: ReturnType<typeof frame>[], ts = 0) =>
    fragment({ producerTimestamp: ts, clusterTimecode: 0, frames, configs: [videoConfig, aacConfig] });

  it('AAC frames last 1024 samples; small jitter (≤ half a frame) is ignored', () => {
    const audio = [0, 21, 43, 64, 85].map((t) => frame(2, t, true));
    const a = times(run([fr([frame(1, 0, true), ...audio])]).segments, 2);
    expect(a.map((s) => s.dts)).toEqual([0, 1024, 2048, 3072, 4096]);
    expect(a.every((s) => s.duration === 1024)).toBe(true);
  });

  it('a gap of more than half a frame is absorbed by the previous duration', () => {
    const audio = [0, 21, 143, 164].map((t) => frame(2, t, true));
    const a = times(run([fr([frame(1, 0, true), ...audio])]).segments, 2);
    expect(a.map((s) => s.dts)).toEqual([0, 1024, 143 * 48, 143 * 48 + 1024]);
    expect(a[1].duration).toBe(143 * 48 - 1024);
  });

  it('laced frames sharing their block time run on at their natural duration', () => {
    const audio = [0, 0, 0, 0, 85, 85].map((t) => frame(2, t, true));
    const a = times(run([fr([frame(1, 0, true), ...audio])]).segments, 2);
    expect(a.map((s) => s.dts)).toEqual([0, 1024, 2048, 3072, 4096, 5120]);
  });

  it('audio continues across fragments and absorbs the boundary drift into the previous fragment', () => {
    const a1 = fr([frame(1, 0, true), frame(2, 0, true), frame(2, 21, true)], 1000);
    const a2 = fr([frame(1, 0, true), frame(2, 0, true)], 1100); // 100 ms later: a 57 ms gap
    const { segments } = run([a1, a2]);
    const a = times(segments, 2);
    expect(a.map((s) => s.dts)).toEqual([0, 1024, 4800]);
    expect(a[1].duration).toBe(4800 - 1024);
    expect(runEnd(segments[0].runs[1])).toBe(segments[1].runs[1].baseDts);
  });

  it('G.711 durations come from the byte count', () => {
    const f = fragment({
      producerTimestamp: 0,
      clusterTimecode: 0,
      frames: [frame(1, 0, true), frame(2, 0, true, 160), frame(2, 20, true, 320)],
      configs: [videoConfig, alawConfig],
    });
    const a = times(run([f]).segments, 2);
    expect(a.map((s) => [s.dts, s.duration])).toEqual([
      [0, 160],
      [160, 320],
    ]);
  });
});
