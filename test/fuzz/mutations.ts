/**
 * Mutations as plain data (so a failing case prints as something replayable and fast-check can
 * shrink it), and how to apply them. Blind ones (bit flips, byte sets, truncation, insertion,
 * deletion, duplication) work anywhere; structure-aware ones locate element headers with
 * ./structure.ts and hit what parsers trust: size fields (huge, over 2^53, unknown, zero, off by a
 * few), IDs, whole elements (dropped, repeated, nested thousands deep), block headers (lacing kind,
 * lace count and sizes, time offset, track, flags), integers (timecodes going backwards, absurd
 * scales and durations), tag strings (100k-digit fragment numbers, NaN-like timestamps) and
 * CodecPrivate bytes.
 *
 * Targets are picked as `pick % candidates`, so a mutation applies to any seed. `consistent` edits
 * rewrite the sizes of the enclosing elements, so the change reaches the layer that reads the
 * element (codec checker, timeline) instead of tripping the reader's size checks first.
 */
import fc from 'fast-check';
import { concat, ID, idBytes, mapElements, sizeField, splice, type Element } from './structure.js';

export type SizeValue = 'huge' | 'over-2^53' | 'unknown' | 'zero' | { delta: number } | { value: number };
export type IntValue = 'zero' | 'one' | 'max-safe' | 'over-2^53' | 'max-u64' | 'backwards' | { value: number };
export type TagValue =
  'digits-100k' | 'NaN' | 'Infinity' | 'negative' | 'exponent' | 'max-digits' | 'empty' | 'nul' | 'unicode-100k' | 'two-dots';
export type BytesEdit =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; bytes: number[] }
  | { kind: 'annex-b' }
  | { kind: 'empty' };

export type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; at: number; length: number; times: number }
  | { op: 'size'; pick: number; value: SizeValue; consistent: boolean }
  | { op: 'id'; pick: number; id: number }
  | { op: 'drop'; pick: number; consistent: boolean }
  | { op: 'repeat'; pick: number; times: number; consistent: boolean }
  | { op: 'nest'; pick: number; depth: number; unknown: boolean }
  | { op: 'block'; pick: number; field: 'lacing' | 'count' | 'lace' | 'time' | 'track' | 'flags'; value: number }
  | { op: 'int'; pick: number; target: IntTarget; value: IntValue }
  | { op: 'tag'; pick: number; value: TagValue; name: number }
  | { op: 'codec-private'; pick: number; edit: BytesEdit };

type IntTarget = 'timecode' | 'timecode-scale' | 'default-duration' | 'block-duration' | 'track-number' | 'channels' | 'sampling-frequency';

const INT_TARGETS: Record<IntTarget, number> = {
  timecode: ID.TIMECODE,
  'timecode-scale': ID.TIMECODE_SCALE,
  'default-duration': ID.DEFAULT_DURATION,
  'block-duration': ID.BLOCK_DURATION,
  'track-number': ID.TRACK_NUMBER,
  channels: ID.CHANNELS,
  'sampling-frequency': ID.SAMPLING_FREQUENCY,
};

/** IDs a mutated element may turn into: the ones readers branch on, plus reserved and unknown ones. */
const SOME_IDS = [
  ID.EBML,
  ID.SEGMENT,
  ID.CLUSTER,
  ID.SIMPLE_BLOCK,
  ID.BLOCK_GROUP,
  ID.BLOCK,
  ID.TIMECODE,
  ID.INFO,
  ID.TRACKS,
  ID.TRACK_ENTRY,
  ID.CODEC_PRIVATE,
  ID.TAGS,
  ID.TAG,
  ID.SIMPLE_TAG,
  ID.TAG_NAME,
  ID.TAG_STRING,
  ID.CUES,
  ID.VOID,
  ID.CRC32,
  ID.REFERENCE_BLOCK,
  ID.BLOCK_DURATION,
  0x80,
  0xff,
  0x7fff,
  0x4000,
  0x1fffffff,
  0x10000000,
  0x1a45dfa2,
];

const KVS_TAG_NAMES = [
  'AWS_KINESISVIDEO_FRAGMENT_NUMBER',
  'AWS_KINESISVIDEO_PRODUCER_TIMESTAMP',
  'AWS_KINESISVIDEO_SERVER_TIMESTAMP',
  'AWS_KINESISVIDEO_MILLIS_BEHIND_NOW',
  'AWS_KINESISVIDEO_CONTINUATION_TOKEN',
  'AWS_KINESISVIDEO_ERROR_ID',
  'AWS_KINESISVIDEO_ERROR_CODE',
  'AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE',
  'AWS_KINESISVIDEO_END_OF_FRAGMENT',
];

const position = fc.nat({ max: 0x7fffffff });
const pick = fc.nat({ max: 0xffff });
const smallBytes = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 16 });

const sizeValue: fc.Arbitrary<SizeValue> = fc.oneof(
  fc.constantFrom<SizeValue>('huge', 'over-2^53', 'unknown', 'zero'),
  fc.record({ delta: fc.integer({ min: -16, max: 16 }) }),
  fc.record({
    value: fc.oneof(fc.nat({ max: 300 }), fc.constantFrom(2 ** 31, 2 ** 32, 64 * 1024 * 1024 - 1, 64 * 1024 * 1024 + 1, 2 ** 40)),
  }),
);

const intValue: fc.Arbitrary<IntValue> = fc.oneof(
  fc.constantFrom<IntValue>('zero', 'one', 'max-safe', 'over-2^53', 'max-u64', 'backwards'),
  fc.record({ value: fc.oneof(fc.nat({ max: 100_000 }), fc.constantFrom(2 ** 31, 2 ** 32 - 1, 2 ** 45, 2 ** 52)) }),
);

const bytesEdit: fc.Arbitrary<BytesEdit> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat({ max: 64 }), bit: fc.nat({ max: 7 }) }),
  fc.record({
    kind: fc.constant('set' as const),
    at: fc.nat({ max: 64 }),
    value: fc.constantFrom(0, 1, 0x1f, 0x7f, 0x80, 0xe0, 0xfe, 0xff),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat({ max: 64 }) }),
  fc.record({ kind: fc.constant('append' as const), bytes: smallBytes }),
  fc.constant({ kind: 'annex-b' as const }),
  fc.constant({ kind: 'empty' as const }),
);

/** Mutations that change bytes anywhere (structure-aware ones included). */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('set' as const), at: position, value: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: position }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('insert' as const), at: position, bytes: smallBytes }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('duplicate' as const),
      at: position,
      length: fc.integer({ min: 1, max: 64 }),
      times: fc.integer({ min: 1, max: 200 }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('size' as const), pick, value: sizeValue, consistent: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('id' as const), pick, id: fc.constantFrom(...SOME_IDS) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('drop' as const), pick, consistent: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('repeat' as const), pick, times: fc.integer({ min: 1, max: 50 }), consistent: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('nest' as const),
      pick,
      depth: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1000, max: 20_000 })),
      unknown: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('block' as const),
      pick,
      field: fc.constantFrom('lacing' as const, 'count' as const, 'lace' as const, 'time' as const, 'track' as const, 'flags' as const),
      value: fc.integer({ min: 0, max: 0xffff }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('int' as const),
      pick,
      target: fc.constantFrom(...(Object.keys(INT_TARGETS) as IntTarget[])),
      value: intValue,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('tag' as const),
      pick,
      value: fc.constantFrom<TagValue>(
        'digits-100k',
        'NaN',
        'Infinity',
        'negative',
        'exponent',
        'max-digits',
        'empty',
        'nul',
        'unicode-100k',
        'two-dots',
      ),
      name: fc.nat({ max: KVS_TAG_NAMES.length }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('codec-private' as const), pick, edit: bytesEdit }) },
);

/** 1–4 mutations, applied in turn. */
export const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 });

const encoder = new TextEncoder();

function tagText(value: TagValue): string {
  switch (value) {
    case 'digits-100k':
      return '9'.repeat(100_000);
    case 'NaN':
      return 'NaN';
    case 'Infinity':
      return 'Infinity';
    case 'negative':
      return '-1511852109.126';
    case 'exponent':
      return '1e400';
    case 'max-digits':
      return '9999999999999.999';
    case 'empty':
      return '';
    case 'nul':
      return '1511852109\0.126';
    case 'unicode-100k':
      return '🎞'.repeat(25_000);
    case 'two-dots':
      return '1511852109.126.5';
  }
}

function uintBytes(value: number | bigint, width: number): number[] {
  const out = new Array<number>(width).fill(0);
  let v = BigInt(value);
  for (let i = width - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function readBody(bytes: Uint8Array, e: Element): bigint {
  let v = 0n;
  for (let i = e.bodyStart; i < e.end && i < e.bodyStart + 8; i++) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

function intBody(bytes: Uint8Array, e: Element, value: IntValue, isFloat: boolean): number[] {
  if (isFloat) {
    const floats: Record<string, number> = {
      zero: 0,
      one: -0,
      'max-safe': Infinity,
      'over-2^53': NaN,
      'max-u64': 1e300,
      backwards: -48000,
    };
    const f = typeof value === 'object' ? value.value : floats[value];
    const out = new Uint8Array(8);
    new DataView(out.buffer).setFloat64(0, f);
    return [...out];
  }
  switch (value) {
    case 'zero':
      return [];
    case 'one':
      return [1];
    case 'max-safe':
      return uintBytes(Number.MAX_SAFE_INTEGER, 8);
    case 'over-2^53':
      return uintBytes(2n ** 53n + 1n, 8);
    case 'max-u64':
      return uintBytes(2n ** 64n - 1n, 8);
    case 'backwards': {
      const old = readBody(bytes, e);
      return uintBytes(old > 5000n ? old - 5000n : 0n, Math.max(1, e.end - e.bodyStart));
    }
    default:
      return uintBytes(value.value, 8);
  }
}

function sizeBytes(e: Element, value: SizeValue): number[] {
  if (value === 'huge') return sizeField(2 ** 56 - 2, 8);
  if (value === 'over-2^53') return [0x01, 0x20, 0, 0, 0, 0, 0, 1];
  if (value === 'unknown') return sizeField(null, e.sizeLength);
  if (value === 'zero') return sizeField(0, e.sizeLength);
  const current = e.end - e.bodyStart;
  const size = 'delta' in value ? Math.max(0, current + value.delta) : value.value;
  return sizeField(size, e.sizeLength);
}

function editBytes(body: Uint8Array, edit: BytesEdit): Uint8Array {
  const out = body.slice();
  switch (edit.kind) {
    case 'flip':
      if (out.length > 0) out[edit.at % out.length] ^= 1 << edit.bit;
      return out;
    case 'set':
      if (out.length > 0) out[edit.at % out.length] = edit.value;
      return out;
    case 'truncate':
      return out.subarray(0, out.length === 0 ? 0 : edit.at % out.length);
    case 'append':
      return concat([out, edit.bytes]);
    case 'annex-b':
      return concat([[0, 0, 0, 1], out]);
    case 'empty':
      return new Uint8Array(0);
  }
}

/**
 * Applies `m` to `bytes`. With `from` > 0 only bytes at or after `from` change (structure-aware
 * edits then never rewrite enclosing sizes, which lie before): that is the damage the streaming
 * property puts after an intact prefix.
 */
export function applyMutation(bytes: Uint8Array, m: Mutation, from = 0): Uint8Array {
  const span = bytes.length - from;
  const at = (n: number): number => from + (span > 0 ? n % span : 0);
  switch (m.op) {
    case 'flip': {
      if (span <= 0) return bytes;
      const out = bytes.slice();
      out[at(m.at)] ^= 1 << m.bit;
      return out;
    }
    case 'set': {
      if (span <= 0) return bytes;
      const out = bytes.slice();
      out[at(m.at)] = m.value;
      return out;
    }
    case 'truncate':
      return bytes.subarray(0, at(m.at));
    case 'insert': {
      const p = from + (m.at % (span + 1));
      return concat([bytes.subarray(0, p), m.bytes, bytes.subarray(p)]);
    }
    case 'delete': {
      if (span <= 0) return bytes;
      const p = at(m.at);
      return concat([bytes.subarray(0, p), bytes.subarray(Math.min(bytes.length, p + m.length))]);
    }
    case 'duplicate': {
      if (span <= 0) return bytes;
      const p = at(m.at);
      const piece = bytes.subarray(p, Math.min(bytes.length, p + m.length));
      return concat([bytes.subarray(0, p), ...new Array<Uint8Array>(m.times + 1).fill(piece), bytes.subarray(p + piece.length)]);
    }
    default:
      break; // the element-level mutations, below
  }

  const elements = mapElements(bytes);
  const consistent = from === 0 && 'consistent' in m && m.consistent;
  const choose = (filter: (e: Element) => boolean): Element | undefined => {
    const candidates = elements.filter((e) => e.start >= from && filter(e));
    return candidates.length === 0 ? undefined : candidates[m.pick % candidates.length];
  };
  const replaceBody = (e: Element, body: ArrayLike<number>, keep: boolean): Uint8Array =>
    splice(bytes, elements, e.bodyStart, e.end, body, keep);

  switch (m.op) {
    case 'size': {
      const e = choose(() => true);
      if (!e) return bytes;
      const field = sizeBytes(e, m.value);
      return splice(bytes, elements, e.sizeStart, e.sizeStart + e.sizeLength, field, consistent);
    }
    case 'id': {
      const e = choose(() => true);
      if (!e) return bytes;
      return splice(bytes, elements, e.start, e.sizeStart, idBytes(m.id), false);
    }
    case 'drop': {
      const e = choose((x) => x.depth > 0);
      if (!e) return bytes;
      return splice(bytes, elements, e.start, e.end, [], consistent);
    }
    case 'repeat': {
      const e = choose(() => true);
      if (!e) return bytes;
      const whole = bytes.subarray(e.start, e.end);
      return splice(bytes, elements, e.start, e.end, concat(new Array<Uint8Array>(m.times + 1).fill(whole)), consistent);
    }
    case 'nest': {
      // Wraps the element's body in `depth` more copies of its own header: M{M{M{…body}}}.
      const e = choose((x) => x.end > x.bodyStart || x.unknownSize);
      if (!e) return bytes;
      const body = bytes.subarray(e.bodyStart, e.end);
      const id = bytes.subarray(e.start, e.sizeStart);
      let nested: Uint8Array;
      if (m.unknown) {
        const header = concat([id, sizeField(null, 1)]);
        nested = concat([...new Array<Uint8Array>(m.depth).fill(header), body]);
      } else {
        // Sizes from the inside out, each written with the smallest width that holds it.
        const parts: number[][] = [];
        let size = body.length;
        for (let i = 0; i < m.depth; i++) {
          const field = sizeField(size, 1);
          parts.push([...id, ...field]);
          size += id.length + field.length;
        }
        nested = concat([...parts.reverse(), body]);
      }
      return replaceBody(e, nested, from === 0);
    }
    case 'block': {
      const e = choose((x) => (x.id === ID.SIMPLE_BLOCK || x.id === ID.BLOCK) && x.end - x.bodyStart >= 4);
      if (!e) return bytes;
      const out = bytes.slice();
      const trackLength = Math.max(1, Math.min(8, Math.clz32(out[e.bodyStart]) - 23));
      const flagsAt = e.bodyStart + trackLength + 2;
      switch (m.field) {
        case 'lacing':
          if (flagsAt < e.end) out[flagsAt] = (out[flagsAt] & ~0x06) | ((m.value & 3) << 1);
          return out;
        case 'flags':
          if (flagsAt < e.end) out[flagsAt] = m.value & 0xff;
          return out;
        case 'count':
          if (flagsAt + 1 < e.end) out[flagsAt + 1] = m.value & 0xff;
          return out;
        case 'lace':
          // A byte of the lace sizes (Xiph 255-runs, EBML vints) right after the count.
          if (flagsAt + 2 + ((m.value >> 8) % 4) < e.end) out[flagsAt + 2 + ((m.value >> 8) % 4)] = m.value & 0xff;
          return out;
        case 'time':
          out[e.bodyStart + trackLength] = m.value >> 8;
          out[e.bodyStart + trackLength + 1] = m.value & 0xff;
          return out;
        case 'track': {
          // A track number of any width, e.g. 8 bytes for 2^56 - 2.
          const width = 1 + (m.value % 8);
          const track = sizeField(m.value >> 3, width);
          return splice(bytes, elements, e.bodyStart, e.bodyStart + trackLength, track, from === 0);
        }
      }
      return bytes;
    }
    case 'int': {
      const id = INT_TARGETS[m.target];
      const e = choose((x) => x.id === id);
      if (!e) return bytes;
      return replaceBody(e, intBody(bytes, e, m.value, id === ID.SAMPLING_FREQUENCY), from === 0);
    }
    case 'tag': {
      // name 0 keeps the tag's name and replaces its value; n > 0 also renames it to a KVS tag.
      const e = choose((x) => x.id === ID.SIMPLE_TAG);
      if (!e) return bytes;
      const children = elements.filter((x) => elements[x.parent] === e);
      const value = children.find((x) => x.id === ID.TAG_STRING);
      const name = children.find((x) => x.id === ID.TAG_NAME);
      let out = bytes;
      if (value) out = replaceBody(value, encoder.encode(tagText(m.value)), from === 0);
      if (name && m.name > 0) {
        const remapped = mapElements(out).find((x) => x.start === name.start && x.id === ID.TAG_NAME);
        if (remapped)
          out = splice(out, mapElements(out), remapped.bodyStart, remapped.end, encoder.encode(KVS_TAG_NAMES[m.name - 1]), from === 0);
      }
      return out;
    }
    case 'codec-private': {
      const e = choose((x) => x.id === ID.CODEC_PRIVATE);
      if (!e) return bytes;
      return replaceBody(e, editBytes(bytes.subarray(e.bodyStart, e.end), m.edit), from === 0);
    }
  }
}

/** Applies mutations in turn. */
export function applyMutations(bytes: Uint8Array, list: readonly Mutation[], from = 0): Uint8Array {
  let out = bytes;
  for (const m of list) out = applyMutation(out, m, from);
  return out;
}
