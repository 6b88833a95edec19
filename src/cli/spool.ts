/**
 * Stdin (or a pipe) spooled to a temporary file, so the flat clip can take the two-pass path
 * (two-pass.ts) and hold the clip's tables rather than the whole input: memory stays flat whatever
 * comes in on stdin, at the cost of the input's size on disk for the clip's duration.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asWriteError, onInterrupt, writeAllv } from './output.js';

/** Writes `source` to a temporary file, hands it to `use` (opened for reading), then removes it, also on a signal. */
export async function withSpooledInput<T>(
  source: AsyncIterable<Uint8Array>,
  use: (file: FileHandle, path: string) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'kvs-clip-stdin-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const forget = onInterrupt(remove);
  const path = join(dir, 'input.mkv');
  const file = await open(path, 'w+');
  try {
    try {
      for await (const chunk of source) writeAllv(file, [chunk]);
    } catch (error) {
      throw asWriteError(error, path);
    }
    return await use(file, path);
  } finally {
    await file.close();
    forget();
    remove();
  }
}
