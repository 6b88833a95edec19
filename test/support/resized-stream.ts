/**
 * A stream whose video configuration changes mid-stream, as MediaRecorder's after a resize (docs/codecs.md#codec-private-data-that-changes):
 * shared by the MSE test (test/realworld-browser.test.ts) and the HLS/DASH package tests.
 */
import { readFileSync } from 'node:fs';
import { readFragments, type MkvFragment } from '../../src/index.js';
import { trackSpec } from './kvs-documents.js';
import { writeKvsStream, type DocumentSpec } from './kvs-writer.js';
import { FIXTURES } from './mp4-input.js';

/** The two fixtures the stream is made of, in order, and where the second one starts (ms). */
export const RESIZED_PARTS = [
  { path: `${FIXTURES}/realworld/h264-gop6-aac.mkv`, offsetMs: 0 },
  { path: `${FIXTURES}/realworld/also-cluster-size-limit.mkv`, offsetMs: 2000 },
] as const;

/**
 * A stream whose video configuration changes, as MediaRecorder's after a resize: the 160x120 file,
 * then the 96x64 one 2 s later, each a plain Matroska document with its own CodecPrivate (the AAC
 * configuration is the same in both).
 */
export async function resizedStream(): Promise<{ bytes: Uint8Array; videoFrames: number }> {
  let videoFrames = 0;
  const documents: DocumentSpec[] = [];
  for (const { path, offsetMs: offset } of RESIZED_PARTS) {
    const fragments: MkvFragment[] = [];
    for await (const f of readFragments(new Uint8Array(readFileSync(path)))) fragments.push(f);
    const frames = fragments.flatMap((f) => f.frames);
    videoFrames += frames.filter((f) => f.track === 1).length;
    documents.push({
      timecodeScale: fragments[0].timecodeScale,
      tracks: fragments[0].tracks.map(trackSpec),
      clusters: [
        {
          timecode: offset,
          blocks: frames.map((f) => ({
            kind: 'simple' as const,
            track: f.track,
            timeOffset: f.timestamp,
            keyframe: f.keyframe,
            lacing: 'none' as const,
            frames: [f.data],
          })),
        },
      ],
    });
  }
  return { bytes: writeKvsStream({ documents }).bytes, videoFrames };
}
