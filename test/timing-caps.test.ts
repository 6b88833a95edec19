/**
 * Issue 24.4: with maxFragments / maxBytes the flat clip stops reading once the cap is reached, so
 * memory is bounded by the cap. The input is an iterable that counts how far it was pulled; the
 * oracle is the uncapped clip of exactly the fragments GetClip's rule takes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clipFromFragments } from '../src/api/index.js';
import { readFragments } from '../src/mkv/index.js';
import type { MkvFragment } from '../src/mkv/types.js';
import type { ReaderWarning } from '../src/warnings.js';

const fixture = new Uint8Array(readFileSync('fixtures/kvs-h264-aac.mkv'));

async function allFragments(): Promise<MkvFragment[]> {
  const out: MkvFragment[] = [];
  for await (const fragment of readFragments(fixture)) out.push(fragment);
  return out;
}

/** The fragments as an async iterable that records how many were pulled. */
function counted(fragments: MkvFragment[]) {
  const state = { pulled: 0 };
  async function* source() {
    for (const fragment of fragments) {
      state.pulled++;
      yield fragment;
    }
  }
  return { state, source: source() };
}

const payloadBytes = (f: MkvFragment) => f.frames.reduce((sum, frame) => sum + frame.data.byteLength, 0);

describe('caps bound what the flat clip reads (24.4)', () => {
  it('maxFragments: reads one fragment past the cap, and makes the clip of the first N', async () => {
    const all = await allFragments();
    expect(all.length).toBeGreaterThanOrEqual(4);
    const { state, source } = counted(all);
    const warnings: ReaderWarning[] = [];
    const capped = await clipFromFragments(source, { maxFragments: 2, onWarning: (w) => warnings.push(w) });
    expect(state.pulled).toBe(3);
    const firstTwo = await clipFromFragments(all.slice(0, 2));
    expect(Buffer.from(capped.Payload.bytes()).equals(Buffer.from(firstTwo.Payload.bytes()))).toBe(true);
    expect(warnings.map((w) => w.code)).toEqual(['capped']);
  });

  it('maxBytes: the same, at the byte cap', async () => {
    const all = await allFragments();
    const { state, source } = counted(all);
    const cap = payloadBytes(all[0]) + payloadBytes(all[1]) + 1;
    const capped = await clipFromFragments(source, { maxBytes: cap });
    expect(state.pulled).toBe(3);
    const firstTwo = await clipFromFragments(all.slice(0, 2));
    expect(Buffer.from(capped.Payload.bytes()).equals(Buffer.from(firstTwo.Payload.bytes()))).toBe(true);
  });

  it('an input in reverse time order is read to its end and still cut in time order', async () => {
    const all = await allFragments();
    const { state, source } = counted([...all].reverse());
    const capped = await clipFromFragments(source, { maxFragments: 2 });
    expect(state.pulled).toBe(all.length);
    const firstTwo = await clipFromFragments(all.slice(0, 2));
    expect(Buffer.from(capped.Payload.bytes()).equals(Buffer.from(firstTwo.Payload.bytes()))).toBe(true);
  });
});
