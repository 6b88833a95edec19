/**
 * What test/jit/after-gc.mjs needs from one bundle of src: the entry points it clips with, and the
 * classes whose methods src/jit.ts calls hot. Classes that are not exported are reached through an
 * instance's prototype, so the methods are the very ones the entry points run.
 */
import { createCodecChecker } from '../../src/codecs/index.js';
import { createFragmentedMuxer } from '../../src/mp4/index.js';
import { createTimeline } from '../../src/timeline/index.js';
import { BitReader } from '../../src/codecs/bits.js';
import { ChunkReader } from '../../src/ebml/index.js';
import { ElementReader } from '../../src/mkv/element-reader.js';
import { BoxWriter } from '../../src/mp4/boxes.js';

export { clip, fragmentedMp4 } from '../../src/index.js';

const prototypeOf = <T extends object>(instance: T): T => Object.getPrototypeOf(instance) as T;

/** The hot methods, by the name a failure reports. */
export const hotMethods: Record<string, (...args: never[]) => unknown> = {
  'ChunkReader.fill': ChunkReader.prototype.fill,
  'ChunkReader.read': ChunkReader.prototype.read,
  'ChunkReader.skip': ChunkReader.prototype.skip,
  // The reader's per-element step (FragmentAssembler.beginBlock is inlined into it, so never optimised alone).
  'ElementReader.readElement': ElementReader.prototype.readElement,
  'ElementReader.startElement': ElementReader.prototype.startElement,
  'BitReader.bits': BitReader.prototype.bits,
  'BitReader.ue': BitReader.prototype.ue,
  'FragmentChecker.checkPartial': prototypeOf(createCodecChecker()).checkPartial,
  'Timeline.push': prototypeOf(createTimeline()).push,
  'SegmentMuxer.push': prototypeOf(createFragmentedMuxer()).push,
  'BoxWriter.u32': BoxWriter.prototype.u32,
  'BoxWriter.raw': BoxWriter.prototype.raw,
};
