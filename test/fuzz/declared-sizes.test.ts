/**
 * Nothing is allocated from a size the input merely declares. Tiny inputs declare huge sizes
 * (up to 2^56 - 2, the largest 8-byte EBML size) for every kind of element the reader buffers,
 * skips or descends into, and for the codec records; the largest single allocation while reading,
 * clipping and remuxing them must stay small, and they must end in a typed error or a truncation
 * warning.
 */
import { describe, expect, it } from 'vitest';
import { KvsClipError } from '../../src/errors.js';
import { readAll } from '../support/read.js';
import { exercise } from './harness.js';
import { concat, ID, idBytes, sizeField } from './structure.js';

const SIZES: [string, number[]][] = [
  ['2^56 - 2 (largest 8-byte size)', sizeField(2 ** 56 - 2, 8)],
  ['2^53 - 1', sizeField(2 ** 53 - 1, 8)],
  ['2^40', sizeField(2 ** 40, 8)],
  ['2^32', sizeField(2 ** 32, 8)],
  ['64 MiB - 1 (just under maxElementSize)', sizeField(64 * 1024 * 1024 - 1, 4)],
  ['2^28 - 2 (largest 4-byte size)', sizeField(2 ** 28 - 2, 4)],
];

const ascii = (text: string): number[] => Array.from(new TextEncoder().encode(text));
const element = (id: number, body: number[]): number[] => [...idBytes(id), ...sizeField(body.length, 1), ...body];
const EBML_HEADER = element(ID.EBML, element(ID.DOC_TYPE, ascii('matroska')));
const SEGMENT_UNKNOWN = [...idBytes(ID.SEGMENT), 0xff];
const CLUSTER_UNKNOWN = [...idBytes(ID.CLUSTER), 0xff];
const TIMECODE = element(ID.TIMECODE, [0]);
/** A few bytes of body, far fewer than declared. */
const SOME_BODY = [0x81, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x01];

/** Where the huge element sits: [label, bytes before it, its ID]. */
const PLACES: [string, number[], number][] = [
  ['EBML header', [], ID.EBML],
  ['top-level unknown element', EBML_HEADER, 0x4000 | 0x1234],
  ['Info', [...EBML_HEADER, ...SEGMENT_UNKNOWN], ID.INFO],
  ['Tracks', [...EBML_HEADER, ...SEGMENT_UNKNOWN], ID.TRACKS],
  ['Tags', [...EBML_HEADER, ...SEGMENT_UNKNOWN], ID.TAGS],
  ['SeekHead (skipped)', [...EBML_HEADER, ...SEGMENT_UNKNOWN], ID.SEEK_HEAD],
  ['Cues (skipped)', [...EBML_HEADER, ...SEGMENT_UNKNOWN], ID.CUES],
  ['Cluster (known size)', [...EBML_HEADER, ...SEGMENT_UNKNOWN], ID.CLUSTER],
  ['Segment (known size)', EBML_HEADER, ID.SEGMENT],
  ['SimpleBlock', [...EBML_HEADER, ...SEGMENT_UNKNOWN, ...CLUSTER_UNKNOWN, ...TIMECODE], ID.SIMPLE_BLOCK],
  ['BlockGroup', [...EBML_HEADER, ...SEGMENT_UNKNOWN, ...CLUSTER_UNKNOWN, ...TIMECODE], ID.BLOCK_GROUP],
  ['Timecode', [...EBML_HEADER, ...SEGMENT_UNKNOWN, ...CLUSTER_UNKNOWN], ID.TIMECODE],
  ['Void in a Cluster', [...EBML_HEADER, ...SEGMENT_UNKNOWN, ...CLUSTER_UNKNOWN, ...TIMECODE], ID.VOID],
];

/** 64 KiB: more than any of these inputs, far less than any declared size. */
const SMALL = 64 * 1024;

describe('declared sizes never size an allocation', () => {
  for (const [place, before, id] of PLACES) {
    for (const [label, size] of SIZES) {
      it(`${place} declaring ${label}`, async () => {
        const input = concat([before, idBytes(id), size, SOME_BODY]);
        for (const maxElementSize of [undefined, Number.POSITIVE_INFINITY]) {
          const read = await readAll(input, { maxElementSize });
          if (read.error !== undefined) expect(read.error).toBeInstanceOf(KvsClipError);
          else expect(read.warnings.map((w) => w.code)).toContain('truncated');
        }
        for (const result of await exercise(input, { chunks: [3], kind: 'stream' })) {
          if (result.error !== undefined) expect(result.error, result.stage).toBeInstanceOf(KvsClipError);
          expect(result.largestAllocation, result.stage).toBeLessThan(SMALL);
        }
      });
    }
  }

  it('256 Xiph lace sizes running past their block allocate nothing large', async () => {
    // Flags 0x02 (Xiph), count 255 (256 frames), then nothing but 0xFF run-ons: no size ever ends.
    const laces = [0x02, 0xff, ...new Array<number>(255 * 256).fill(0xff)];
    const block = [0x81, 0x00, 0x00, ...laces];
    const input = concat([
      EBML_HEADER,
      SEGMENT_UNKNOWN,
      CLUSTER_UNKNOWN,
      TIMECODE,
      idBytes(ID.SIMPLE_BLOCK),
      sizeField(block.length, 4),
      block,
    ]);
    for (const result of await exercise(input, { chunks: null, kind: 'array' })) {
      if (result.error !== undefined) expect(result.error).toBeInstanceOf(KvsClipError);
      expect(result.largestAllocation).toBeLessThan(4 * input.length);
    }
  });
});
