/**
 * The flat clip of a regular file in two passes, so the process holds the clip's tables rather than
 * the file (GetClip's output has moov first, so nothing can be written before every frame is known).
 *
 * Pass 1 reads the file in large chunks and builds the clip as usual, except that each checked
 * frame's payload view is swapped for a stand-in view of the same length, and where its bytes sit in
 * the file is noted; the chunks themselves are then free to go. Pass 2 writes the clip's header and
 * copies the payloads from the file, reading a window of nearby payloads at a time (mdat order
 * follows file order closely: per track and fragment, in decode order).
 */
import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { clipKeeping } from '../api/index.js';
import type { ClipOptions, ClipOutput } from '../api/types.js';
import type { MkvFragment } from '../mkv/types.js';
import type { CheckedFragment } from '../codecs/types.js';
import { InvalidArgumentException } from '../errors.js';
import { readFragments } from '../mkv/index.js';
import { readFileChunks } from './file-chunks.js';
import { writeAllv, writeWholeFile } from './output.js';

interface TwoPassSettings {
  /** Pass 1 read size (FILE_READ_CHUNK unless a test wants small ones). */
  readChunk?: number;
  /** Pass 2 reads payloads in windows of at most this many file bytes. */
  copyWindow?: number;
  /** Told the bytes read so far in pass 1, after each read (for a progress line). */
  onRead?: (bytes: number) => void;
}

interface TwoPassClip {
  output: ClipOutput;
  /** Writes the clip to `path`, copying payloads from the input file. */
  writeTo(path: string): Promise<void>;
}

export async function clipFileInTwoPasses(
  inputPath: string,
  input: FileHandle,
  options: ClipOptions,
  { readChunk, copyWindow = 8 << 20, onRead }: TwoPassSettings = {},
): Promise<TwoPassClip> {
  let standIns = new ArrayBuffer(0);
  const sources = new Map<Uint8Array, number>();
  // Read buffers are reused once nothing will read them again (see `fragments`), so pass 1 touches a
  // few buffers' worth of memory instead of leaving the whole file to the garbage collector.
  const file = readFileChunks(input.fd, readChunk, onRead);

  async function* fragments(): AsyncGenerator<MkvFragment> {
    for await (const fragment of readFragments(file.chunks, options)) {
      yield fragment;
      // Resumed: the clip is done with `fragment` (checked and detached, or left out), and the reader
      // keeps no view before its end (codec private data is copied).
      file.release(fragment.byteOffset + fragment.byteLength);
    }
  }

  /** Same length, no bytes held: one shared zero buffer backs every stand-in. */
  function standIn(length: number): Uint8Array {
    if (length > standIns.byteLength) standIns = new ArrayBuffer(Math.max(length, 2 * standIns.byteLength));
    return new Uint8Array(standIns, 0, length);
  }

  function detach(fragment: CheckedFragment): CheckedFragment {
    for (const frame of fragment.frames) {
      const at = file.fileOffsetOf(frame.data);
      if (at === undefined) continue; // converted from Annex-B or joined across chunks: already its own bytes
      const view = standIn(frame.data.byteLength);
      sources.set(view, at);
      frame.data = view;
    }
    return fragment;
  }

  const output = await clipKeeping(fragments(), options, detach);
  return {
    output,
    writeTo: (path) => copyPayloads(output.Payload.chunks(), sources, input, path, inputPath, copyWindow),
  };
}

/** A payload to copy from the file, or bytes already in memory (header, converted frames). */
type Part = { at: number; length: number } | Uint8Array;

async function copyPayloads(
  parts: Uint8Array[],
  sources: Map<Uint8Array, number>,
  input: FileHandle,
  path: string,
  inputPath: string,
  copyWindow: number,
): Promise<void> {
  let window = Buffer.allocUnsafeSlow(copyWindow);
  let pending: Part[] = [];
  let low = Infinity;
  let high = 0;

  // Reads the file span covering the pending payloads once, then writes everything pending in clip order.
  const flush = (out: FileHandle): void => {
    if (high > low) {
      const span = high - low;
      if (span > window.byteLength) window = Buffer.allocUnsafeSlow(span);
      const bytesRead = readSync(input.fd, window, 0, span, low);
      if (bytesRead < span) {
        throw new InvalidArgumentException(`${inputPath} changed while it was being clipped (short read)`, { byteOffset: low + bytesRead });
      }
    }
    writeAllv(
      out,
      pending.map((p) => (p instanceof Uint8Array ? p : window.subarray(p.at - low, p.at - low + p.length))),
    );
    pending = [];
    low = Infinity;
    high = 0;
  };

  await writeWholeFile(path, async (out) => {
    for (const part of parts) {
      const at = sources.get(part);
      if (at === undefined) {
        pending.push(part);
        continue;
      }
      const end = at + part.byteLength;
      if (high > low && Math.max(high, end) - Math.min(low, at) > copyWindow) flush(out);
      pending.push({ at, length: part.byteLength });
      low = Math.min(low, at);
      high = Math.max(high, end);
    }
    flush(out);
  });
}
