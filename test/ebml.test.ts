import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ChunkReader,
  EbmlError,
  forEachChild,
  HEADER_BAD_ID,
  HEADER_BAD_SIZE,
  HEADER_INCOMPLETE,
  HEADER_SIZE_TOO_LARGE,
  readChild,
  readElementHeader,
  readFloat,
  readString,
  readUint,
  UNKNOWN_SIZE,
  type ChildElement,
  type ElementHeader,
} from '../src/ebml/index.js';
import { chunkPlan, splitBytes } from './support/kvs-arbitrary.js';
import { sizeField, type SizeWidth } from './support/kvs-writer.js';

const idBytes = (id: number): number[] => {
  const out: number[] = [];
  for (let v = id; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return out;
};

/** Valid IDs of each length: marker bit plus data bits that are neither all 0 nor all 1. */
const elementId = fc
  .integer({ min: 1, max: 4 })
  .chain((length) => fc.integer({ min: 1, max: 2 ** (7 * length) - 2 }).map((data) => data + 2 ** (7 * length)));

function header(bytes: number[], end = bytes.length): { length: number; header: ElementHeader } {
  const out: ElementHeader = { id: 0, size: 0 };
  const length = readElementHeader(Uint8Array.from(bytes), 0, end, out);
  return { length, header: out };
}

describe('readElementHeader', () => {
  it('reads any ID with any size in any width 1..8', () => {
    fc.assert(
      fc.property(elementId, fc.integer({ min: 1, max: 8 }), fc.nat(), (id, width, seed) => {
        const max = Math.min(2 ** (7 * width) - 2, Number.MAX_SAFE_INTEGER);
        const size = seed % (max + 1);
        const bytes = [...idBytes(id), ...sizeField(size, { width: width as SizeWidth })];
        expect(header(bytes)).toEqual({ length: bytes.length, header: { id, size } });
      }),
    );
  });

  it('reads an unknown size in every width', () => {
    for (let width = 1; width <= 8; width++) {
      const bytes = [0x1f, 0x43, 0xb6, 0x75, ...sizeField(0, { width: width as SizeWidth, unknown: true }, undefined, true)];
      expect(header(bytes)).toEqual({ length: 4 + width, header: { id: 0x1f43b675, size: UNKNOWN_SIZE } });
    }
    // Not unknown: the largest known 8-byte value below 2^53.
    expect(header([0xec, 0x01, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).header.size).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('reports headers cut short at every byte', () => {
    const bytes = [0x1a, 0x45, 0xdf, 0xa3, 0x01, 0, 0, 0, 0, 0, 0, 0x1f];
    for (let end = 0; end < bytes.length; end++) expect(header(bytes, end).length).toBe(HEADER_INCOMPLETE);
    expect(header(bytes).length).toBe(12);
  });

  it('rejects invalid IDs, sizes and sizes past 2^53 - 1', () => {
    expect(header([0x0f, 0x00, 0x00, 0x00, 0x81]).length).toBe(HEADER_BAD_ID); // 5-byte ID
    expect(header([0xff, 0x81]).length).toBe(HEADER_BAD_ID); // reserved all-ones ID
    expect(header([0x80, 0x81]).length).toBe(HEADER_BAD_ID); // all-zero ID
    expect(header([0xec, 0x00, 0x00]).length).toBe(HEADER_BAD_SIZE);
    expect(header([0xec, 0x01, 0x20, 0, 0, 0, 0, 0, 0]).length).toBe(HEADER_SIZE_TOO_LARGE);
  });
});

describe('element values', () => {
  const bytes = (...b: number[]) => Uint8Array.from(b);

  it('reads unsigned integers exactly, as bigint past 2^53 - 1', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (value) => {
        const raw: number[] = [];
        for (let v = value; v > 0n; v >>= 8n) raw.unshift(Number(v & 0xffn));
        const got = readUint(Uint8Array.from(raw), 0, raw.length, 0);
        if (value <= BigInt(Number.MAX_SAFE_INTEGER)) expect(got).toBe(Number(value));
        else expect(got).toBe(value);
      }),
    );
    expect(readUint(bytes(), 0, 0, 0)).toBe(0);
    expect(() => readUint(new Uint8Array(9), 0, 9, 7)).toThrow(EbmlError);
  });

  it('reads floats of 0, 4 and 8 bytes and rejects other widths', () => {
    expect(readFloat(bytes(), 0, 0, 0)).toBe(0);
    expect(readFloat(bytes(0x47, 0x3b, 0x80, 0x00), 0, 4, 0)).toBe(48000);
    expect(readFloat(bytes(0x40, 0xe5, 0x88, 0x80, 0, 0, 0, 0), 0, 8, 0)).toBe(44100);
    expect(() => readFloat(bytes(1, 2, 3), 0, 3, 0)).toThrow(EbmlError);
  });

  it('reads strings up to their NUL padding, ASCII or UTF-8', () => {
    const text = (s: string) => new TextEncoder().encode(s);
    expect(readString(text('matroska\0'), 0, 9)).toBe('matroska');
    expect(readString(text('V_MS/VFW/FOURCC\0\0\0'), 0, 18)).toBe('V_MS/VFW/FOURCC');
    const utf8 = text('Grüße 🎥');
    expect(readString(utf8, 0, utf8.length)).toBe('Grüße 🎥');
  });
});

describe('readChild and forEachChild', () => {
  /** A child as written: ID, size field of some width, body. */
  const child = fc.record({ id: elementId, width: fc.integer({ min: 1, max: 8 }), body: fc.uint8Array({ maxLength: 20 }) });
  const encode = ({ id, width, body }: { id: number; width: number; body: Uint8Array }): number[] => [
    ...idBytes(id),
    ...sizeField(body.length, { width: width as SizeWidth }),
    ...body,
  ];

  it('walk any run of children back to their IDs and bodies, at any place in a buffer', () => {
    fc.assert(
      fc.property(fc.array(child, { maxLength: 8 }), fc.uint8Array({ maxLength: 5 }), fc.nat(1000), (children, before, base) => {
        const parent = Uint8Array.from([...before, ...children.flatMap(encode), 0xee]); // 0xee: a byte past the parent
        const start = before.length;
        const end = parent.length - 1;
        const walked: { id: number; body: Uint8Array }[] = [];
        const out: ChildElement = { id: 0, size: 0, bodyStart: 0, bodyEnd: 0 };
        for (let pos = start; pos < end; pos = out.bodyEnd) {
          readChild(parent, pos, end, base, out);
          expect(out.bodyEnd - out.bodyStart).toBe(out.size);
          walked.push({ id: out.id, body: parent.subarray(out.bodyStart, out.bodyEnd) });
        }
        expect(walked).toEqual(children.map(({ id, body }) => ({ id, body })));
        const visited: { id: number; body: Uint8Array }[] = [];
        forEachChild(parent, start, end, base, (id, bodyStart, bodyEnd) => visited.push({ id, body: parent.subarray(bodyStart, bodyEnd) }));
        expect(visited).toEqual(walked);
      }),
    );
  });

  it('reject a child that overruns its parent, or has an unknown size, naming its input offset', () => {
    fc.assert(
      fc.property(fc.array(child, { maxLength: 4 }), child, fc.integer({ min: 1, max: 20 }), fc.nat(1000), (children, last, cut, base) => {
        fc.pre(last.body.length > 0);
        const head = children.flatMap(encode);
        const bytes = Uint8Array.from([...head, ...encode(last)]);
        const end = bytes.length - Math.min(cut, last.body.length); // the last child's body runs past the parent
        const error = captureError(() => forEachChild(bytes, 0, end, base, () => {}));
        expect(error).toBeInstanceOf(EbmlError);
        expect(error).toMatchObject({ byteOffset: base + head.length });
        expect((error as Error).message).toMatch(/overruns its parent/);
      }),
    );
    const unknown = Uint8Array.of(0xec, 0x80, 0xa1, 0xff, 1, 2);
    const error = captureError(() => readChild(unknown, 2, unknown.length, 100, { id: 0, size: 0, bodyStart: 0, bodyEnd: 0 }));
    expect(error).toMatchObject({ byteOffset: 102, message: expect.stringMatching(/unknown size/) });
    expect(error).toBeInstanceOf(EbmlError);
  });
});

function captureError(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('ChunkReader', () => {
  type Op = { kind: 'read' | 'skip' | 'peek'; n: number };
  const op: fc.Arbitrary<Op> = fc.record({ kind: fc.constantFrom<Op['kind']>('read', 'skip', 'peek'), n: fc.integer({ min: 0, max: 40 }) });

  it('reads, skips and peeks like slicing the whole input, for any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), chunkPlan, fc.array(op, { maxLength: 30 }), async (all, plan, ops) => {
        const chunks = splitBytes(all, plan);
        const reader = new ChunkReader(chunks);
        let at = 0;
        for (const { kind, n } of ops) {
          const left = all.length - at;
          if (kind === 'peek') {
            const out = new Uint8Array(n);
            const got = await reader.peek(out, n);
            expect(got).toBe(Math.min(n, left));
            expect(out.subarray(0, got)).toEqual(all.subarray(at, at + got));
            continue;
          }
          if (kind === 'skip') {
            expect(await reader.skip(n)).toBe(n <= left);
          } else {
            const got = await reader.read(n);
            if (n <= left) expect(got).toEqual(all.subarray(at, at + n));
            else expect(got).toBeUndefined();
          }
          at = Math.min(at + n, all.length);
          expect(reader.offset).toBe(at);
        }
      }),
    );
  });

  it('hands out views of the chunk when the bytes lie in one, and joins straddling bytes once', async () => {
    const chunks = [Uint8Array.of(1, 2, 3, 4), Uint8Array.of(5, 6, 7, 8)];
    const reader = new ChunkReader(chunks);
    const inFirst = await reader.read(3);
    expect(inFirst?.buffer).toBe(chunks[0].buffer);
    const straddling = await reader.read(2);
    expect(straddling).toEqual(Uint8Array.of(4, 5));
    expect(straddling?.buffer).not.toBe(chunks[0].buffer);
    const inSecond = await reader.read(3);
    expect(inSecond?.buffer).toBe(chunks[1].buffer);
    expect(inSecond).toEqual(Uint8Array.of(6, 7, 8));
  });

  it('accepts ArrayBuffer and other typed-array chunks', async () => {
    const reader = new ChunkReader([Uint8Array.of(1, 2).buffer, Uint16Array.of(0x0403)] as unknown as Uint8Array[]);
    expect(await reader.read(4)).toEqual(Uint8Array.of(1, 2, 3, 4));
  });
});
