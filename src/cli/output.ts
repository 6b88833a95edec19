/**
 * Where a command's MP4 goes: a file or stdout ('-'). Shared by `clip` and `fetch` so both keep the
 * same promise: a flat clip is written whole or not at all; a fragmented one keeps what was written
 * before an error, and the error says how far it got.
 */
import { writevSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import type { Mp4Segment, Mp4SegmentChunks } from '../api/types.js';
import { concatBytes } from '../bytes.js';
import { InvalidArgumentException, InvalidCodecPrivateDataException } from '../errors.js';
import { write, type CliIo } from './io.js';

/** Linux's IOV_MAX: how many buffers one writev may take. */
const IOV_MAX = 1024;

/** Writes a finished flat clip; a failed write removes the partial file. */
export async function writeFlat(path: string, io: CliIo, chunks: Uint8Array[]): Promise<void> {
  if (path === '-') {
    for (const chunk of chunks) await write(io.stdout, chunk);
    return;
  }
  await writeWholeFile(path, async (file) => writeAllv(file, chunks));
}

/**
 * A flat clip's promise for any writer: opens `path` (an output that cannot be opened is a bad -o,
 * InvalidArgumentException, as an unreadable input is in io.ts), lets `fill` write it, closes it; when
 * anything fails, the partial file is removed and the error passed on.
 */
export async function writeWholeFile(path: string, fill: (file: FileHandle) => Promise<void>): Promise<void> {
  const file = await openOutput(path);
  // Only a regular file is ours to remove: `-o /dev/stdout`, a FIFO or a device must survive a failed write.
  const regular = (await file.stat()).isFile();
  try {
    await fill(file);
    await file.close();
  } catch (error) {
    await file.close().catch(() => {});
    // The write error is the one to report, not a failure to clean up after it.
    if (regular) await rm(path, { force: true }).catch(() => {});
    throw error;
  }
}

export async function openOutput(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'w');
  } catch (error) {
    throw new InvalidArgumentException(`cannot write output file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * writev sends header bytes and payload views to the kernel without joining them first. Synchronous:
 * a CLI has nothing else to do meanwhile, and it saves a thread-pool round trip per call.
 */
export function writeAllv(file: FileHandle, buffers: Uint8Array[]): void {
  for (let i = 0; i < buffers.length; i += IOV_MAX) {
    let pending = buffers.slice(i, i + IOV_MAX);
    while (pending.length > 0) {
      // writev may write less than asked; go on from where it stopped.
      let written = writevSync(file.fd, pending);
      let done = 0;
      while (done < pending.length && written >= pending[done].byteLength) written -= pending[done++].byteLength;
      pending = pending.slice(done);
      if (written > 0) pending[0] = pending[0].subarray(written);
    }
  }
}

/**
 * Writes segments as they come (init, then media). On an error, what was written stays and the
 * error message says how many media segments made it. Segments as chunks (header, payload views) go
 * to a file by writev without being joined; stdout gets each segment as one buffer, since a stream
 * may queue what it is given while the views' buffers are reused.
 */
export async function writeFragmented(
  path: string,
  io: CliIo,
  segments: AsyncIterable<Mp4Segment | Mp4SegmentChunks>,
): Promise<{ media: number; bytes: number }> {
  let file: FileHandle | undefined;
  let written = false;
  let media = 0;
  let bytes = 0;
  try {
    for await (const segment of segments) {
      if (segment.type === 'init' && written) {
        // A new configuration mid-stream (see docs/codecs.md#codec-private-data-that-changes): MSE takes a
        // second init segment, but a file has room for one moov.
        throw new InvalidCodecPrivateDataException(
          `The video configuration changes after media segment ${media}; an fMP4 file holds one init segment, so write the stream to MSE instead`,
        );
      }
      const { chunks, byteLength } = 'data' in segment ? { chunks: [segment.data], byteLength: segment.data.byteLength } : segment;
      if (path === '-') await write(io.stdout, concatBytes(chunks, byteLength));
      else {
        file ??= await openOutput(path);
        writeAllv(file, chunks);
      }
      written = true;
      bytes += byteLength;
      if (segment.type === 'media') media++;
    }
    return { media, bytes };
  } catch (error) {
    if (error instanceof Error && written) {
      error.message += ` (${path === '-' ? 'stdout' : path} keeps the init segment and ${media} media segment${media === 1 ? '' : 's'} written before the error)`;
    }
    throw error;
  } finally {
    await file?.close();
  }
}

interface ProgressLine {
  show(text: string): void;
  /** Erases the line; call it before writing anything else to stderr, or that text lands on the line. */
  clear(): void;
}

/** One rewritten stderr line of progress, only when stderr is a terminal (never on stdout). */
export function progressLine(io: CliIo): ProgressLine | undefined {
  if (!(io.stderr as { isTTY?: boolean }).isTTY) return undefined;
  let shown = false;
  return {
    show(text) {
      io.stderr.write(`\r${text}\x1b[K`);
      shown = true;
    },
    clear() {
      if (shown) io.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}
