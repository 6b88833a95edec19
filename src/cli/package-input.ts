/** What `kvs-clip hls` and `kvs-clip dash` share: their input, the --discontinuity flag, the summary line. */
import type { DiscontinuityMode } from '../package/types.js';
import { UsageError } from './args.js';
import { openInputFile, stdinBytes, streamFile, type CliIo } from './io.js';
import type { PackageCounts } from './package-output.js';

/** --discontinuity always|never|on-discontinuity (default on-discontinuity, as KVS's HLS sessions). */
export function parseDiscontinuity(text: string | undefined, usage: string): DiscontinuityMode {
  const mode = text ?? 'on-discontinuity';
  if (mode !== 'always' && mode !== 'never' && mode !== 'on-discontinuity')
    throw new UsageError(`--discontinuity must be always, never or on-discontinuity, got ${mode}`, usage);
  return mode;
}

/**
 * Streams the input ('-' is stdin) into `write`. Each read is a fresh buffer, so the segments' payload
 * views stay valid while they are written; nothing holds more than a fragment.
 */
export async function packageInput<T>(path: string, io: CliIo, write: (input: AsyncIterable<Uint8Array>) => Promise<T>): Promise<T> {
  if (path === '-') return write(stdinBytes(io));
  const file = await openInputFile(path);
  try {
    return await write(streamFile(file));
  } finally {
    await file.close();
  }
}

/** e.g. `HLS, init + 4 media segments, 123456 bytes in 6 files, index.m3u8`. */
export function summary(kind: string, counts: PackageCounts, manifest: string): string {
  return `${kind}, ${counts.mediaSegments} media segment${counts.mediaSegments === 1 ? '' : 's'}, ${counts.bytes} bytes in ${counts.files} files, ${manifest}`;
}
