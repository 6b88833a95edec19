import type { ClipOptions } from '../api/types.js';

/**
 * Where packages mark discontinuities, as KVS's DiscontinuityMode (docs/packages.md#discontinuities):
 * `'always'` between every two fragments, `'on-discontinuity'` where the gap or overlap between one
 * fragment's end and the next one's start exceeds 50 ms, `'never'` nowhere. At a marked boundary the
 * media timeline closes up (the next fragment plays right after the previous one); elsewhere it
 * follows the timestamps, a gap filled by the frame before it.
 */
export type DiscontinuityMode = 'always' | 'never' | 'on-discontinuity';

/** Options of both packages: the clip options (selection, timestamps, audio, checks) and the discontinuity rule. */
export interface PackageOptions extends ClipOptions {
  /** Default `'on-discontinuity'`, as KVS's HLS sessions. */
  discontinuity?: DiscontinuityMode;
}

/** HLS package options. */
export interface HlsPackageOptions extends PackageOptions {
  /**
   * One fMP4 file (`media.mp4`: init segment, then every media segment) addressed by
   * EXT-X-BYTERANGE, instead of an init file and one file per segment.
   */
  singleFile?: boolean;
}

/** DASH package options. */
export type DashPackageOptions = PackageOptions;

/**
 * One file of a package, or the next piece of one. Files come out in the order they are complete;
 * the playlist or manifest comes last.
 */
export interface PackageFile {
  /** Path relative to the package's folder, `/`-separated (e.g. `video/00001.m4s`). */
  path: string;
  /** The bytes, as header bytes and views of the input's payloads (write them in order, or join them). */
  chunks: Uint8Array[];
  /** Total bytes of `chunks`. */
  byteLength: number;
  /**
   * False: a new file. True: the bytes continue the file of the same path given before (the single
   * HLS file comes out segment by segment, so memory stays bounded by one fragment).
   */
  append: boolean;
  /**
   * Only on init segments: the RFC 6381 codec string of each track the init segment declares (e.g.
   * `avc1.64001f`, `mp4a.40.2`), for a multivariant playlist's CODECS or an MPD's `codecs`.
   */
  codecs?: string[];
}
