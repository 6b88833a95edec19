/**
 * Keeping V8's optimised code from one clip to the next.
 *
 * A clip's objects live for one call. Once a full GC collects them, V8 throws away the optimised code
 * that depended on their hidden classes (`node --trace-deopt` prints "marking dependent code …
 * for deoptimization, reason: weak objects"), and the next clip starts over in unoptimised code
 * while a compiler thread rebuilds it.
 *
 * The hot code is what runs per element, frame, sample or box of every clip: ChunkReader
 * (src/ebml/chunk-reader.ts), ElementReader (src/mkv/element-reader.ts), FragmentAssembler
 * (src/mkv/fragments.ts), BitReader (src/codecs/bits.ts), FragmentChecker (src/codecs/check.ts),
 * AudioTranscoder and the FLAC encoder (src/audio), Timeline (src/timeline/timeline.ts),
 * SegmentMuxer (src/mp4/segment-muxer.ts), TrunRows (src/mp4/fragmented.ts), BoxWriter
 * (src/mp4/boxes.ts) and the per-sample loops of src/mp4/flat.ts; and the objects made per fragment: the MkvFragment that FragmentAssembler opens,
 * the MkvTrack and KvsTags literals of src/mkv/elements.ts and src/mkv/kvs-tags.ts. Code that runs
 * once per clip or per track need not follow the rules. Three rules keep the hot code compiled:
 *
 * - Hot work lives in module-level functions and class methods, never in closures made per call:
 *   a new closure's optimised code is not kept once the closures before it are collected.
 * - Objects get all their fields in the literal or constructor that creates them (optional ones as
 *   undefined): a field added later gives the object a hidden class that dies with the call's objects.
 * - Each hot class keeps one idle instance (keepLayout below): V8 forgets a class's instance layout,
 *   and the code compiled for it, once no instance is alive.
 *
 * Measured on V8 11.3.244.8-node.38 (Node 20.20.2): with a full GC before each call, a 3.5 MB KVS
 * capture clipped 2-4 times slower (median of 30 calls, flat and fragmented) with keepLayout made a
 * no-op, and --trace-deopt printed the "weak objects" line for the BoxWriter methods among others;
 * with the rules it printed no deoptimisation at all. To re-measure on another V8, after
 * `npm run build`:
 *
 *   node --trace-deopt --expose-gc bench/case.mjs kvs-clip-fmp4-chunks <input.mkv> 5 | grep 'weak objects'
 *   node --expose-gc bench/case.mjs kvs-clip-flat-chunks <input.mkv> 30    (times, GC before each call)
 *
 * and compare with a build whose keepLayout does nothing. test/jit.test.ts checks on every `npm test`
 * that the hot methods are still optimised after a full GC.
 */
const kept: object[] = [];

/** Keeps `instance` alive for the life of the module, and with it its class's instance layout. */
export function keepLayout(instance: object): void {
  kept.push(instance);
}
