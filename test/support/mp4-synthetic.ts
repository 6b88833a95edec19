/**
 * Synthetic checked fragments for timeline and MP4 writer unit tests: hand-made TrackConfigs (a
 * structurally valid avcC, AAC-LC and G.711 configs) and fragments built from frame lists.
 */
import type { CheckedFragment, TrackConfig } from '../../src/codecs/types.js';
import type { MkvFrame, MkvTrack } from '../../src/mkv/types.js';

/** avcC for High@3.1 with one tiny SPS and PPS; parsers read it, nothing decodes it. */
const AVCC = new Uint8Array([0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x04, 0x67, 0x64, 0x00, 0x1f, 0x01, 0x00, 0x02, 0x68, 0xee]);

export const videoConfig: TrackConfig = {
  trackNumber: 1,
  kind: 'video',
  codec: 'avc',
  codecString: 'avc1.64001f',
  sampleEntry: 'avc1',
  decoderConfig: AVCC,
  nalLengthSize: 4,
  width: 320,
  height: 240,
  details: {},
};

export const aacConfig: TrackConfig = {
  trackNumber: 2,
  kind: 'audio',
  codec: 'aac',
  codecString: 'mp4a.40.2',
  sampleEntry: 'mp4a',
  decoderConfig: new Uint8Array([0x11, 0x90]),
  sampleRate: 48_000,
  channels: 2,
  samplesPerFrame: 1024,
  details: {},
};

export const alawConfig: TrackConfig = {
  trackNumber: 2,
  kind: 'audio',
  codec: 'alaw',
  codecString: 'alaw',
  sampleEntry: 'alaw',
  sampleRate: 8000,
  channels: 1,
  bitsPerSample: 8,
  details: {},
};

function mkvTrack(config: TrackConfig, defaultDurationNs?: number): MkvTrack {
  return {
    number: config.trackNumber,
    type: config.kind,
    typeCode: config.kind === 'video' ? 1 : 2,
    codecId: config.kind === 'video' ? 'V_MPEG4/ISO/AVC' : config.codec === 'aac' ? 'A_AAC' : 'A_MS/ACM',
    defaultDurationNs,
  };
}

/** A frame whose bytes encode its track and index, so any mix-up shows. */
export function frame(track: number, timestamp: number, keyframe: boolean, size = 16, extra: Partial<MkvFrame> = {}): MkvFrame {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (track * 31 + timestamp * 7 + i) & 0xff;
  return { track, timestamp, keyframe, data, ...extra };
}

export interface FragmentSpec {
  frames: MkvFrame[];
  clusterTimecode?: number | null;
  producerTimestamp?: number | null;
  serverTimestamp?: number | null;
  fragmentNumber?: string | null;
  timecodeScale?: number;
  configs?: TrackConfig[];
  defaultDurationNs?: number;
}

let nextIndex = 0;
export function fragment(spec: FragmentSpec): CheckedFragment {
  const configs = spec.configs ?? [videoConfig, aacConfig];
  return {
    index: nextIndex++,
    fragmentNumber:
      spec.fragmentNumber === undefined ? '91343852333181432392682062' + String(nextIndex).padStart(3, '0') : spec.fragmentNumber,
    producerTimestamp: spec.producerTimestamp === undefined ? null : spec.producerTimestamp,
    serverTimestamp: spec.serverTimestamp === undefined ? null : spec.serverTimestamp,
    timecodeScale: spec.timecodeScale ?? 1_000_000,
    clusterTimecode: spec.clusterTimecode === undefined ? (spec.frames[0]?.timestamp ?? null) : spec.clusterTimecode,
    tracks: configs.map((c) => mkvTrack(c, c.kind === 'video' ? spec.defaultDurationNs : undefined)),
    frames: spec.frames,
    tags: [],
    byteOffset: 0,
    byteLength: 0,
    configs,
  };
}
