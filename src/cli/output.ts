/**
 * Where a command's MP4 goes: a file or stdout ('-'). Shared by `clip` and `fetch` so both keep the
 * same promise: a flat clip is written whole or not at all; a fragmented one keeps what was written
 * before an error, and the error says how far it got.
 */
import { fstatSync, ftruncateSync, openSync, unlinkSync, writevSync } from 'node:fs';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Mp4Segment, Mp4SegmentChunks } from '../api/types.js';
import { concatBytes } from '../bytes.js';
import { InvalidArgumentException, InvalidCodecPrivateDataException } from '../errors.js';
import { write, type CliIo } from './io.js';

/** Linux's IOV_MAX: how many buffers one writev may take. */
const IOV_MAX = 1024;

/** A write that failed (disk full, closed pipe, no permission): one line naming the error and the path, no stack. */
export class WriteError extends Error {
  override readonly name = 'WriteError';
}

/** `error` as a WriteError naming `path` when it is an error of the system (an errno), else unchanged. */
export function asWriteError(error: unknown, path: string): unknown {
  if (!(error instanceof Error) || !('code' in error) || !('syscall' in error) || error instanceof WriteError) return error;
  return new WriteError(`cannot write ${path === '-' ? 'stdout' : path}: ${error.message}`, { cause: error });
}

/**
 * What to undo when SIGINT or SIGTERM ends the process mid-write (main.ts runs them): a flat clip's
 * temporary file is removed; a fragmented output says how much of it is there.
 */
const interruptCleanups = new Set<() => void>();

/** Adds a cleanup to run on SIGINT/SIGTERM; returns the function that takes it off again. */
export function onInterrupt(cleanup: () => void): () => void {
  interruptCleanups.add(cleanup);
  return () => interruptCleanups.delete(cleanup);
}

/** Runs the cleanups of the writes in progress (synchronously: the process exits right after). */
export function cleanUpAfterInterrupt(): void {
  for (const cleanup of interruptCleanups) cleanup();
  interruptCleanups.clear();
}

/** Writes a finished flat clip; a failed write leaves no file. */
export async function writeFlat(path: string, io: CliIo, chunks: Uint8Array[]): Promise<void> {
  if (path === '-') {
    try {
      for (const chunk of chunks) await write(io.stdout, chunk);
    } catch (error) {
      throw asWriteError(error, path);
    }
    return;
  }
  await writeWholeFile(path, async (file) => writeAllv(file, chunks));
}

/**
 * A flat clip's promise for any writer: the clip is written whole or not at all, since a cut MP4
 * plays as if it were whole. A regular file (or a new one) is written to a temporary file in the same
 * folder and renamed over `path` once complete, so `path` never holds part of a clip, even when the
 * process is killed; a FIFO or device (`-o /dev/stdout`) is written directly. An output that cannot
 * be opened is a bad -o (InvalidArgumentException, as an unreadable input is in io.ts); a failed
 * write removes what was written and is a WriteError.
 */
export async function writeWholeFile(path: string, fill: (file: FileHandle) => Promise<void>): Promise<void> {
  const existing = await stat(path).catch(() => null);
  const direct = existing !== null && !existing.isFile();
  const target = direct ? path : join(dirname(path), `.${basename(path)}.kvs-clip-${process.pid}.part`);
  const file = await openOutput(path, target);
  const removeTemporary = () => {
    try {
      unlinkSync(target);
    } catch {
      // already gone
    }
  };
  if (!direct) interruptCleanups.add(removeTemporary);
  try {
    await fill(file);
    await file.close();
    if (!direct) await rename(target, path);
  } catch (error) {
    await file.close().catch(() => {});
    // The write error is the one to report, not a failure to clean up after it.
    if (!direct) await rm(target, { force: true }).catch(() => {});
    throw asWriteError(error, path);
  } finally {
    interruptCleanups.delete(removeTemporary);
  }
}

/** Opens `target` (default `path`) for writing; errors name `path`, the output the user gave. */
export async function openOutput(path: string, target = path): Promise<FileHandle> {
  try {
    return await open(target, 'w');
  } catch (error) {
    throw cannotWrite(path, error);
  }
}

/**
 * openOutput's synchronous twin, for a writer of many small files (an HLS or DASH package has one
 * per fragment and track): each async open and close waits a thread-pool round trip, which for a
 * package of 0.5 s fragments was a third of the command's time, spent idle.
 */
export function openOutputSync(path: string): { fd: number } {
  try {
    return { fd: openSync(path, 'w') };
  } catch (error) {
    throw cannotWrite(path, error);
  }
}

/** An output file that cannot be opened: the path and the system's reason. */
function cannotWrite(path: string, error: unknown): InvalidArgumentException {
  return new InvalidArgumentException(`cannot write output file ${path}: ${(error as Error).message}`, { cause: error });
}

/**
 * writev sends header bytes and payload views to the kernel without joining them first. Synchronous:
 * a CLI has nothing else to do meanwhile, and it saves a thread-pool round trip per call.
 */
export function writeAllv(file: { fd: number }, buffers: Uint8Array[]): void {
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
 * error message says how many media segments made it; a write that fails (disk full) cuts the file
 * back to the end of the last complete segment, so it never ends inside one. SIGINT/SIGTERM between
 * segments leave a file that ends on a segment boundary, and a line saying that it is partial.
 * Segments as chunks (header, payload views) go to a file by writev without being joined; stdout
 * gets each segment as one buffer, since a stream may queue what it is given while the views'
 * buffers are reused.
 */
export async function writeFragmented(
  path: string,
  io: CliIo,
  segments: AsyncIterable<Mp4Segment | Mp4SegmentChunks>,
  onSegment?: (segment: Mp4Segment | Mp4SegmentChunks) => void,
): Promise<{ media: number; bytes: number }> {
  let file: FileHandle | undefined;
  let written = false;
  let media = 0;
  let bytes = 0;
  /** Producer timestamps (epoch ms) of the first and last complete media segments. */
  const times: { first: number | null; last: number | null } = { first: null, last: null };
  const where = path === '-' ? 'stdout' : path;
  const segmentCount = () => `the init segment and ${media} media segment${media === 1 ? '' : 's'}`;
  const holds = () => `${segmentCount()}${timeRange(times.first, times.last)}`;
  const sayPartial = () => {
    if (written) io.stderr.write(`interrupted: ${where} is partial: it holds ${holds()}\n`);
  };
  interruptCleanups.add(sayPartial);
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
      try {
        if (path === '-') await write(io.stdout, concatBytes(chunks, byteLength));
        else {
          file ??= await openOutput(path);
          writeAllv(file, chunks);
        }
      } catch (error) {
        throw cutBack(error, file, bytes, where, written ? holds() : null, path);
      }
      written = true;
      bytes += byteLength;
      if (segment.type === 'media') {
        media++;
        times.first ??= segment.producerTimestamp;
        times.last = segment.producerTimestamp;
      }
      onSegment?.(segment);
    }
    return { media, bytes };
  } catch (error) {
    if (error instanceof Error && written && !(error instanceof WriteError)) {
      error.message += ` (${where} keeps ${segmentCount()} written before the error${timeRange(times.first, times.last)})`;
    }
    throw error;
  } finally {
    interruptCleanups.delete(sayPartial);
    await file?.close();
  }
}

/**
 * A failed write of a segment: the file is cut back to `length` (the end of the last complete
 * segment) and the error says what it holds; with nothing complete, the file is removed.
 */
function cutBack(error: unknown, file: FileHandle | undefined, length: number, where: string, holds: string | null, path: string): unknown {
  const failure = asWriteError(error, path);
  if (!(failure instanceof WriteError)) return failure;
  // Only a regular file is ours to cut or remove: `-o /dev/full`, a FIFO or a device must survive.
  if (file !== undefined && fstatSync(file.fd).isFile()) {
    if (holds === null) unlinkSync(path);
    else ftruncateSync(file.fd, length);
  }
  failure.message += holds === null ? `; nothing was kept` : `; ${where} was cut back to its last complete segment and holds ${holds}`;
  return failure;
}

/** `, fragments from 2023-11-14T22:13:20.021Z to 2023-11-14T22:13:23.021Z` (their start times), when known. */
function timeRange(first: number | null, last: number | null): string {
  if (first === null || last === null) return '';
  return `, fragments starting ${new Date(first).toISOString()} to ${new Date(last).toISOString()}`;
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
