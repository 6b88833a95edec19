/**
 * Writes an HLS or DASH package (src/package) into a folder as its files come. On an error the
 * package keeps what was written, with its playlist or manifest for those segments (the library
 * writes it before throwing), and the error message says how far it got.
 */
import { closeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PackageFile } from '../package/types.js';
import { openOutputSync, writeAllv } from './output.js';

/** What was written, for the summary line. */
export interface PackageCounts {
  files: number;
  mediaSegments: number;
  bytes: number;
}

/**
 * Writes every file of `files` under `folder` (created if missing); `manifest` is the playlist's or
 * manifest's name; `onFile` sees each file (or piece of one) once it is written.
 */
export async function writePackage(
  folder: string,
  files: AsyncIterable<PackageFile>,
  manifest: string,
  onFile?: (file: PackageFile) => void,
): Promise<PackageCounts> {
  const counts: PackageCounts = { files: 0, mediaSegments: 0, bytes: 0 };
  const madeDirs = new Set<string>();
  /** The file written last, kept open in case the next piece continues it (single-file HLS). */
  let current = null as { path: string; file: { fd: number } } | null;
  let manifestWritten = false;
  try {
    for await (const file of files) {
      const path = join(folder, file.path);
      if (!(file.append && current?.path === path)) {
        if (current) closeSync(current.file.fd);
        current = null;
        const dir = dirname(path);
        if (!madeDirs.has(dir)) {
          await mkdir(dir, { recursive: true });
          madeDirs.add(dir);
        }
        current = { path, file: openOutputSync(path) };
        counts.files++;
      }
      writeAllv(current.file, file.chunks);
      counts.bytes += file.byteLength;
      // Media segments are the .m4s files, or the single HLS file's pieces that are not init segments.
      if ((file.path.endsWith('.m4s') || file.append) && file.codecs === undefined) counts.mediaSegments++;
      if (file.path === manifest) manifestWritten = true;
      onFile?.(file);
    }
    return counts;
  } catch (error) {
    if (error instanceof Error && manifestWritten) {
      error.message += ` (${folder} keeps the ${counts.mediaSegments} media segment${counts.mediaSegments === 1 ? '' : 's'} written before the error, and ${manifest} for them)`;
    }
    throw error;
  } finally {
    if (current) closeSync(current.file.fd);
  }
}
