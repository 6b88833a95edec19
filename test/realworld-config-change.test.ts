/**
 * A flat clip across a video configuration change (MediaRecorder after a resize: a new CodecPrivate
 * at a key frame). GetClip refuses it (`strict: 'getclip'`); otherwise the MP4 carries one sample
 * description per configuration and stsc's sample_description_index switches at the change
 * (docs/codecs.md#codec-private-data-that-changes). Oracles: ffmpeg (every packet's bytes, key flags
 * and times against the two source files; every frame decodes, to the pictures the sources decode
 * to) and mp4box.js (both stsd entries, each sample's entry).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { clip, InvalidCodecPrivateDataException } from '../src/index.js';
import { hasFfmpeg, tempFile } from './support/oracle-ffmpeg.js';
import { FIXTURES } from './support/mp4-input.js';
import { parseMp4 } from './support/oracle-mp4box.js';
import { expectSamePackets, joinedStream, packetsOfFiles, RESIZED } from './support/realworld.js';

/** The CRC of each decoded picture, in output order (sizes kept: no scaling to the first size). */
function decodedPictures(files: readonly string[]): string[] {
  return files.flatMap((file) =>
    execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-map', '0:v', '-autoscale', '0', '-f', 'framecrc', '-'])
      .toString()
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => line.split(',').at(-1)!.trim()),
  );
}

/**
 * The resized stream with the second file at 2.1 s: the first file's last AAC frame ends at 2.026 s,
 * and an overlap would move the second file by it (docs/kvs-mkv.md#timeline), which is not what this
 * test is about: here every time equals the input's.
 */
const PARTS = [RESIZED[0], [RESIZED[1][0], 2100]] as const;

describe('a video configuration change in the flat clip', () => {
  it('GetClip refuses it; otherwise two stsd entries, sample_description_index switching at the change', async () => {
    const { bytes, videoFrames } = await joinedStream(PARTS);
    await expect(clip(bytes, { strict: 'getclip' })).rejects.toBeInstanceOf(InvalidCodecPrivateDataException);
    const warnings: string[] = [];
    const flat = (await clip(bytes, { onWarning: (w) => warnings.push(w.code) })).Payload.bytes();
    expect(warnings).toEqual([]);

    const [video, audio] = parseMp4(flat).tracks;
    expect(video.sampleEntries).toEqual([
      { type: 'avc1', width: 160, height: 120 },
      { type: 'avc1', width: 96, height: 64 },
    ]);
    expect(video.samples.length).toBe(videoFrames);
    const first = video.samples.findIndex((s) => s.descriptionIndex === 1);
    expect(video.samples.map((s) => s.descriptionIndex)).toEqual(video.samples.map((_, k) => (k < first ? 0 : 1)));
    // The change is at the second file's key frame (its times are checked with ffmpeg below).
    expect(video.samples[first].sync).toBe(true);
    expect(audio.sampleEntries.length).toBe(1);

    if (!hasFfmpeg) return;
    const output = tempFile('config-change.mp4', flat);
    const sources = PARTS.map(([name]) => `${FIXTURES}/realworld/${name}`);
    const [ours, ...theirs] = packetsOfFiles([output, ...sources]);
    // The second file's packets, moved to where it starts on the joined stream.
    const input = theirs.flatMap((packets, k) => packets.map((p) => ({ ...p, pts: p.pts + PARTS[k][1] / 1000 })));
    input.sort((a, b) => (a.stream % 2) - (b.stream % 2));
    expectSamePackets('config change', input, ours);
    const pictures = decodedPictures([output]);
    expect(pictures.length).toBe(videoFrames);
    expect(pictures).toEqual(decodedPictures(sources));
  });
});
