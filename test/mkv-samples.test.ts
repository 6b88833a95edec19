/**
 * Every real capture in ../shared/kvs-samples/mkv is read, and what comes out is compared with
 * numbers an independent tool printed (mkvinfo 74 / ffprobe, through test/support/kvs-oracle.sh,
 * which splits GetMedia output at its EBML headers because mkvinfo reads one document only). The
 * command that printed each block of numbers is written above it. KVS timestamps are the tag
 * strings mkvinfo prints ("1511852109.126") written as integer milliseconds (1511852109126).
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { MkvFragment } from '../src/mkv/index.js';
import { readAll } from './support/read.js';

const samples = fileURLToPath(new URL('../../shared/kvs-samples/mkv/', import.meta.url));
const present = existsSync(samples);
if (!present) console.warn(`mkv-samples tests skipped: ${samples} is absent (see /work/shared/kvs-samples/README.md)`);

/** [fragment number, server ts ms, producer ts ms, first cluster Timecode, frames per track] */
type KvsRow = [string | null, number | null, number | null, number | null, Record<number, number>];
/** [timestamp of the fragment's first video key frame, frames per track] */
type PlainRow = [number, Record<number, number>];

interface Sample {
  file: string;
  /** Tracks as mkvinfo lists them: number, CodecID, CodecPrivate size. */
  tracks: [number, string, number][];
  kvs?: KvsRow[];
  plain?: PlainRow[];
  /** The file ends inside a SimpleBlock (kvs-samples README), so a 'truncated' warning is due. */
  truncated?: boolean;
  /** Where that SimpleBlock should have ended, when the README says. */
  truncatedBlockEnd?: number;
}

const SAMPLES: Sample[] = [
  {
    file: 'output_get_media.mkv',
    // mkvinfo output_get_media.mkv | grep -E "Track number|Codec ID|private data"
    tracks: [[1, 'V_MPEG4/ISO/AVC', 54]],
    // bash test/support/kvs-oracle.sh kvs ../shared/kvs-samples/mkv/output_get_media.mkv
    kvs: [
      ['91343852333181432392682062607743920146159169392', 1511852109126, 1511852108513, 0, { 1: 60 }],
      ['91343852333181432397633822764885441725874549018', 1511852110915, 1511852110513, 2000, { 1: 60 }],
      ['91343852333181432402585582922026963247510532162', 1511852112487, 1511852112513, 4000, { 1: 60 }],
      ['91343852333181432407537343079168484595829378270', 1511852113414, 1511852114513, 6000, { 1: 60 }],
      ['91343852333181432412489103236310005892133364608', 1511852114147, 1511852116513, 8000, { 1: 60 }],
    ],
  },
  {
    file: 'output_get_media_sparse_fragments.mkv',
    // mkvinfo output_get_media_sparse_fragments.mkv | grep -E "Track number|Codec ID|private data"
    tracks: [[1, 'V_MPEG4/ISO/AVC', 54]],
    // bash test/support/kvs-oracle.sh kvs ../shared/kvs-samples/mkv/output_get_media_sparse_fragments.mkv
    kvs: [
      ['91343852333181432392682062607743920146159169392', 1511852109126, 1511852108513, 0, { 1: 60 }],
      ['91343852333181432402585582922026963247510532162', 1511852112487, 1511852112513, 4000, { 1: 60 }],
      ['91343852333181432412489103236310005892133364608', 1511852114147, 1511852116513, 8000, { 1: 60 }],
    ],
  },
  {
    file: 'output_get_media_sparse_fragments_merged.mkv',
    // mkvinfo output_get_media_sparse_fragments_merged.mkv | grep -E "Track number|Codec ID|private data"
    tracks: [[1, 'V_MPEG4/ISO/AVC', 54]],
    // One document holding three KVS fragments (Tags + Cluster each):
    // bash test/support/kvs-oracle.sh clusters ../shared/kvs-samples/mkv/output_get_media_sparse_fragments_merged.mkv
    kvs: [
      ['91343852333181432392682062607743920146159169392', 1511852109126, 1511852108513, 0, { 1: 60 }],
      ['91343852333181432402585582922026963247510532162', 1511852112487, 1511852112513, 2000, { 1: 60 }],
      ['91343852333181432412489103236310005892133364608', 1511852114147, 1511852116513, 4000, { 1: 60 }],
    ],
  },
  {
    file: 'kinesis_video_renderer_example_output.mkv',
    // mkvinfo kinesis_video_renderer_example_output.mkv | grep -E "Track number|Codec ID|private data"
    tracks: [[1, 'V_MPEG4/ISO/AVC', 29]],
    // bash test/support/kvs-oracle.sh kvs ../shared/kvs-samples/mkv/kinesis_video_renderer_example_output.mkv
    kvs: [
      ['91343852333181432392682062609776234230823574155', 1519423069070, 1519423067997, 0, { 1: 59 }],
      ['91343852333181432397633822766917755336254238380', 1519423069091, 1519423069996, 1999, { 1: 59 }],
      ['91343852333181432402585582924059276442495538010', 1519423069116, 1519423071996, 3999, { 1: 59 }],
      ['91343852333181432407537343081200797550166190101', 1519423069146, 1519423073995, 5998, { 1: 59 }],
      ['91343852333181432412489103238342318653675228707', 1519423069161, 1519423075995, 7998, { 1: 59 }],
      ['91343852333181432417440863395483839757491686017', 1519423069176, 1519423077995, 9998, { 1: 59 }],
      ['91343852333181432422392623552625360860731813472', 1519423069190, 1519423079994, 11997, { 1: 59 }],
      ['91343852333181432427344383709766881962776549716', 1519423069199, 1519423081994, 13997, { 1: 31 }],
    ],
  },
  {
    file: 'output-get-media-equal-timecode.mkv',
    // mkvinfo output-get-media-equal-timecode.mkv | grep -E "Track number|Codec ID|private data"
    tracks: [[1, 'V_MPEG4/ISO/AVC', 51]],
    // bash test/support/kvs-oracle.sh kvs ../shared/kvs-samples/mkv/output-get-media-equal-timecode.mkv
    kvs: [
      ['91343852338381417542203754135250098963782391502', 1519074132668, 1518814932515, 0, { 1: 120 }],
      ['91343852338381422498915671433912930725530893291', 1519074918949, 1518815718647, 0, { 1: 119 }],
    ],
    truncated: true,
  },
  {
    file: 'output-get-media-non-increasing-timecode.mkv',
    // mkvinfo output-get-media-non-increasing-timecode.mkv | grep -E "Track number|Codec ID|private data"
    tracks: [[1, 'V_MPEG4/ISO/AVC', 50]],
    // bash test/support/kvs-oracle.sh kvs ../shared/kvs-samples/mkv/output-get-media-non-increasing-timecode.mkv
    kvs: [
      ['91343852338381293673923423239754896920603583280', 1517789296298, 1517530105907, 10014, { 1: 30 }],
      ['91343852338381298581117738967002310959581833860', 1517789312462, 1517530112387, 0, { 1: 30 }],
      ['91343852338381298586069499124143832064522347461', 1517789312482, 1517530113388, 1001, { 1: 30 }],
      ['91343852338381298591021259281285353167411810240', 1517789312494, 1517530114390, 2003, { 1: 30 }],
      ['91343852338381298595973019438426874278919130790', 1517789312538, 1517530115391, 3004, { 1: 30 }],
      ['91343852338381298600924779595568395381773541972', 1517789312551, 1517530116392, 4005, { 1: 30 }],
      ['91343852338381298605876539752709916486567964627', 1517789312570, 1517530117394, 5007, { 1: 30 }],
      ['91343852338381298610828299909851437589062773285', 1517789312581, 1517530118395, 6008, { 1: 30 }],
      ['91343852338381298615780060066992958691570573719', 1517789312592, 1517530119397, 7010, { 1: 30 }],
      ['91343852338381298620731820224134479800643425492', 1517789312627, 1517530120398, 8011, { 1: 30 }],
      ['91343852338381298625683580381276000903592396386', 1517789312639, 1517530121399, 9012, { 1: 30 }],
      ['91343852338381298630635340538417522006416018997', 1517789312651, 1517530122401, 10014, { 1: 28 }],
    ],
    truncated: true,
    // kvs-samples README: "its last SimpleBlock runs past EOF by 3553 bytes"; the file has 1916047.
    truncatedBlockEnd: 1916047 + 3553,
  },
  {
    file: 'test_mixed_tags.mkv',
    // mkvinfo test_mixed_tags.mkv | grep -E "Track number|Codec ID|private data"  (CodecID is NUL-padded on disk)
    tracks: [[1, 'V_MS/VFW/FOURCC', 40]],
    // bash test/support/kvs-oracle.sh kvs ../shared/kvs-samples/mkv/test_mixed_tags.mkv
    kvs: [
      ['91343852333713038908964877623801423530396737899', 1537574915281, 0, 0, { 1: 10 }],
      ['91343852333713038913916637780942944683031040297', 1537574915478, 5000, 5000, { 1: 10 }],
      ['91343852333713038918868397938084465802887066670', 1537574915554, 10000, 10000, { 1: 10 }],
      ['91343852333713038923820158095225986915711326403', 1537574915603, 15000, 15000, { 1: 10 }],
      ['91343852333713038928771918252367508026640589178', 1537574915645, 20000, 20000, { 1: 10 }],
      ['91343852333713038933723678409509029132346185461', 1537574915668, 25000, 25000, { 1: 10 }],
      ['91343852333713038938675438566650550295562402559', 1537574915905, 30000, 30000, { 1: 10 }],
      ['91343852333713038943627198723792071401813780459', 1537574915930, 35000, 35000, { 1: 10 }],
      ['91343852333713038948578958880933592508004495778', 1537574915955, 40000, 40000, { 1: 10 }],
      ['91343852333713038953530719038075113645398559869', 1537574916095, 45000, 45000, { 1: 10 }],
    ],
  },
  {
    file: 'empty-mkv-with-tags.mkv',
    // mkvinfo empty-mkv-with-tags.mkv | grep -E "Track number|Codec ID|private data"
    tracks: [[1, 'V_MPEG4/ISO/AVC', 50]],
    // bash test/support/kvs-oracle.sh kvs ../shared/kvs-samples/mkv/empty-mkv-with-tags.mkv
    kvs: [['91343852338378294813695855977007281634605393997', 1516124526822, 1515865326543, null, {}]],
  },
  {
    file: 'test_tags_empty_cluster.mkv',
    // mkvinfo test_tags_empty_cluster.mkv | grep -E "Track number"  (none)
    tracks: [],
    // bash test/support/kvs-oracle.sh kvs ../shared/kvs-samples/mkv/test_tags_empty_cluster.mkv
    kvs: [[null, null, null, null, {}]],
  },
  {
    file: 'clusters.mkv',
    // mkvinfo clusters.mkv | grep -E "Track number|Codec ID|private data"
    tracks: [[1, 'V_MPEG4/ISO/AVC', 29]],
    // bash test/support/kvs-oracle.sh plain ../shared/kvs-samples/mkv/clusters.mkv  (stream index 0 = track 1)
    plain: [
      [0, { 1: 59 }],
      [1999, { 1: 59 }],
      [3999, { 1: 59 }],
      [5998, { 1: 59 }],
      [7998, { 1: 59 }],
      [9998, { 1: 59 }],
      [11997, { 1: 59 }],
      [13997, { 1: 31 }],
    ],
  },
  {
    file: 'vogels_480.mkv',
    // mkvinfo vogels_480.mkv | grep -E "Track number|Codec ID|private data"
    tracks: [
      [1, 'V_MPEG4/ISO/AVC', 41],
      [2, 'A_AAC', 2],
    ],
    // bash test/support/kvs-oracle.sh plain ../shared/kvs-samples/mkv/vogels_480.mkv  (stream 0 = track 1, 1 = track 2)
    plain: [
      [0, { 1: 65, 2: 102 }],
      [2169, { 1: 229, 2: 358 }],
      [9810, { 1: 220, 2: 344 }],
      [17150, { 1: 236, 2: 370 }],
      [25025, { 1: 114, 2: 178 }],
      [28829, { 1: 45, 2: 73 }],
    ],
  },
  {
    file: 'test-stream-1_0.mkv',
    // mkvinfo test-stream-1_0.mkv | grep -E "Track number|Codec ID|private data"
    tracks: [[1, 'V_MPEG4/ISO/AVC', 44]],
    // bash test/support/kvs-oracle.sh plain ../shared/kvs-samples/mkv/test-stream-1_0.mkv
    // printed 37 lines: key frame pts 1703120790149 + n × 1500, 45 packets of stream 0 each, the last 20.
    plain: Array.from({ length: 37 }, (_, n): PlainRow => [1703120790149 + n * 1500, { 1: n === 36 ? 20 : 45 }]),
  },
];

function framesPerTrack(fragment: MkvFragment): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const frame of fragment.frames) counts[frame.track] = (counts[frame.track] ?? 0) + 1;
  return counts;
}

function check(sample: Sample, fragments: MkvFragment[]): void {
  const tracks = fragments[0].tracks.map((t) => [t.number, t.codecId, t.codecPrivate?.length ?? 0]);
  expect(tracks).toEqual(sample.tracks);
  if (sample.kvs !== undefined) {
    const got = fragments.map((f): KvsRow => [
      f.fragmentNumber,
      f.serverTimestamp,
      f.producerTimestamp,
      f.clusterTimecode,
      framesPerTrack(f),
    ]);
    expect(got).toEqual(sample.kvs);
  }
  if (sample.plain !== undefined) {
    const video = sample.tracks[0][0];
    const got = fragments.map((f): PlainRow => [f.frames.find((x) => x.track === video && x.keyframe)!.timestamp, framesPerTrack(f)]);
    expect(got).toEqual(sample.plain);
    expect(fragments.every((f) => f.fragmentNumber === null && f.producerTimestamp === null)).toBe(true);
  }
}

describe.skipIf(!present)('real KVS captures (../shared/kvs-samples/mkv)', () => {
  it('covers every sample file', async () => {
    const { readdirSync } = await import('node:fs');
    expect(
      readdirSync(samples)
        .filter((f) => f.endsWith('.mkv'))
        .sort(),
    ).toEqual(SAMPLES.map((s) => s.file).sort());
  });

  for (const sample of SAMPLES) {
    it(`${sample.file}: fragment numbers, timestamps and frame counts match mkvinfo/ffprobe`, async () => {
      const path = samples + sample.file;
      // Whole file in one buffer, then streamed in 64 KiB chunks: same result.
      const whole = await readAll(readFileSync(path));
      const streamed = await readAll(createReadStream(path, { highWaterMark: 64 * 1024 }));
      for (const result of [whole, streamed]) {
        expect(result.error).toBeUndefined();
        check(sample, result.fragments);
        expect(result.warnings.map((w) => w.code)).toEqual(sample.truncated === true ? ['truncated'] : []);
        expect(result.fragments.at(-1)!.partial).toBe(sample.truncated === true ? true : undefined);
        if (sample.truncatedBlockEnd !== undefined)
          expect(result.warnings[0].message).toMatch(new RegExp(`should end at byte ${sample.truncatedBlockEnd}$`));
      }
      // Same bytes either way (compared with Buffer.compare: deep equality is too slow on megabytes).
      const wholeFrames = whole.fragments.flatMap((f) => f.frames);
      const streamedFrames = streamed.fragments.flatMap((f) => f.frames);
      expect(streamedFrames.length).toBe(wholeFrames.length);
      const differing = streamedFrames.filter((frame, i) => Buffer.compare(frame.data, wholeFrames[i].data) !== 0);
      expect(differing).toHaveLength(0);
    });
  }
});
