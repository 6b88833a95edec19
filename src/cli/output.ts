/**
 * Where a command's MP4 goes: a file or stdout ('-'). Shared by `clip` and `fetch` so both keep the
 * same promise: a flat clip is written whole or not at all; a fragmented one keeps what was written
 * before an error, and the error says how far it got.
 */
import { open, rm, type FileHandle } from 'node:fs/promises';
import { write, type CliIo } from './io.js';

/** Linux's IOV_MAX: how many buffers one writev may take. */
const IOV_MAX = 1024;

/** Writes a finished flat clip; a failed write removes the partial file. */
export async function writeFlat(path: string, io: CliIo, chunks: Uint8Array[]): Promise<void> {
  if (path === '-') {
    for (const chunk of chunks) await write(io.stdout, chunk);
    return;
  }
  const file = await open(path, 'w');
  try {
    // writev sends the header bytes and payload views to the kernel without joining them first.
    for (let i = 0; i < chunks.length; i += IOV_MAX) await writeFully(file, chunks.slice(i, i + IOV_MAX));
    await file.close();
  } catch (error) {
    await file.close().catch(() => {});
    await rm(path, { force: true });
    throw error;
  }
}

/** writev may write less than asked; go on from where it stopped. */
async function writeFully(file: FileHandle, buffers: Uint8Array[]): Promise<void> {
  let pending = buffers;
  while (pending.length > 0) {
    let { bytesWritten } = await file.writev(pending);
    let i = 0;
    while (i < pending.length && bytesWritten >= pending[i].byteLength) bytesWritten -= pending[i++].byteLength;
    pending = pending.slice(i);
    if (bytesWritten > 0) pending[0] = pending[0].subarray(bytesWritten);
  }
}

/**
 * Writes segments as they come (init, then media). On an error, what was written stays and the
 * error message says how many media segments made it.
 */
export async function writeFragmented(
  path: string,
  io: CliIo,
  segments: AsyncIterable<{ type: string; data: Uint8Array }>,
): Promise<{ media: number; bytes: number }> {
  let file: FileHandle | undefined;
  let written = false;
  let media = 0;
  let bytes = 0;
  try {
    for await (const segment of segments) {
      if (path === '-') await write(io.stdout, segment.data);
      else {
        file ??= await open(path, 'w');
        await writeFully(file, [segment.data]);
      }
      written = true;
      bytes += segment.data.byteLength;
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

/** One rewritten stderr line of progress, only when stderr is a terminal. */
export function progressLine(io: CliIo): { show(text: string): void; clear(): void } | undefined {
  if (!(io.stderr as { isTTY?: boolean }).isTTY) return undefined;
  let shown = false;
  return {
    show(text) {
      io.stderr.write(`\r${text}\x1b[K`);
      shown = true;
    },
    clear() {
      if (shown) io.stderr.write('\r\x1b[K');
    },
  };
}
