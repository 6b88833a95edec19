/**
 * The API's door: wrong inputs are InvalidArgumentException, Blob/File inputs are read as streams,
 * `signal` stops reading and rejects with an AbortError, `onProgress` counts what was read.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  audioClip,
  clip,
  clipFromFragments,
  fragmentedMp4,
  fragmentedMp4Chunks,
  InvalidArgumentException,
  type ReadProgress,
} from '../src/index.js';
import { root } from './support/bundle.js';

const body = new Uint8Array(readFileSync(`${root}fixtures/kvs-h264-aac.mkv`));
const alaw = new Uint8Array(readFileSync(`${root}fixtures/kvs-h264-alaw.mkv`));

/** The input as a stream of `size`-byte chunks that records how far it was read and whether it was cancelled. */
function trackedStream(bytes: Uint8Array, size: number) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(state.pulled, state.pulled + size));
      state.pulled += size;
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

describe('wrong inputs', () => {
  test.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a string', 'clip.mkv'],
    ['a plain object', { bytes: body }],
  ])('%s is an InvalidArgumentException for every call', async (_, input) => {
    const calls = [
      () => clip(input as never),
      () => audioClip(input as never),
      () => fragmentedMp4(input as never).next(),
      () => fragmentedMp4Chunks(input as never).next(),
    ];
    for (const call of calls) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentException);
      expect((error as Error).message).toMatch(/^input is .*; expected a Uint8Array, ArrayBuffer, Blob/);
    }
  });
});

describe('Blob and File inputs', () => {
  test('are read as streams, chunk by chunk, to the same clip as the bytes', async () => {
    // In parts: Node's Blob streams a part at a time, so a stream shows as several reads.
    const file = new File([body.subarray(0, 60_000), body.subarray(60_000, 130_000), body.subarray(130_000)], 'kvs.mkv');
    const progress: ReadProgress[] = [];
    const fromFile = await clip(file, { onProgress: (p) => progress.push({ ...p }) });
    const fromBytes = await clip(body);
    expect(fromFile.Payload.bytes()).toEqual(fromBytes.Payload.bytes());
    // A stream, not one read of the whole Blob: several chunks, each told with the known total.
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toEqual({ bytesRead: body.byteLength, totalBytes: body.byteLength });
    expect(progress.every((p) => p.totalBytes === body.byteLength)).toBe(true);
  });
});

describe('signal', () => {
  test('an aborted stream stops being read and the call rejects with an AbortError', async () => {
    const { stream, state } = trackedStream(body, 4096);
    const controller = new AbortController();
    const call = clip(stream, {
      signal: controller.signal,
      onProgress: ({ bytesRead }) => {
        if (bytesRead >= 40_000) controller.abort();
      },
    });
    const error = await call.catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(state.cancelled).toBe(true);
    expect(state.pulled).toBeLessThan(body.byteLength / 2);
  });

  test('a stalled stream does not hold the abort back', async () => {
    const controller = new AbortController();
    const stalled = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
    const call = fragmentedMp4(stalled, { signal: controller.signal }).next();
    setTimeout(() => controller.abort(), 0);
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
  });

  test('the fragmented stream yields no more segments once aborted', async () => {
    const controller = new AbortController();
    const types: string[] = [];
    const error = await (async () => {
      for await (const segment of fragmentedMp4Chunks(body, { signal: controller.signal })) {
        types.push(segment.type);
        if (segment.type === 'media') controller.abort();
      }
    })().catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(types).toEqual(['init', 'media']);
  });

  test('an already aborted signal rejects at once, audioClip and clipFromFragments too, with the reason given', async () => {
    const reason = new Error('stop');
    const aborted = AbortSignal.abort(reason);
    await expect(clip(body, { signal: aborted })).rejects.toBe(reason);
    await expect(audioClip(alaw, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    const { readFragments } = await import('../src/index.js');
    await expect(clipFromFragments(readFragments(body), { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('the public API', () => {
  test('clipFromFragments takes fragments and options only (the CLI hook is not exported)', async () => {
    expect(clipFromFragments.length).toBe(1);
    const index = await import('../src/index.js');
    expect(Object.keys(index)).not.toContain('clipKeeping');
  });
});
