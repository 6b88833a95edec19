/** The reader's per-fragment limits (ReaderLimits in types.ts) and their defaults. */
import { InvalidArgumentException } from '../errors.js';
import type { ReaderLimits } from './types.js';

export const DEFAULT_MAX_ELEMENT_SIZE = 64 * 1024 * 1024;

/** ReaderLimits' defaults (docs/kvs-mkv.md#reader-limits). */
export const DEFAULT_LIMITS: Required<ReaderLimits> = {
  maxElementSize: DEFAULT_MAX_ELEMENT_SIZE,
  maxFramesPerFragment: 1 << 20,
  maxFragmentBytes: 256 * 1024 * 1024,
  maxTagLength: 64 * 1024,
  maxTagsPerFragment: 4096,
};

/** The caller's limits, each defaulted; a limit that is not a positive number is a caller's mistake. */
export function readerLimits(options: ReaderLimits): Required<ReaderLimits> {
  const limits = { ...DEFAULT_LIMITS };
  for (const name of Object.keys(DEFAULT_LIMITS) as (keyof ReaderLimits)[]) {
    const value = options[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value > 0))
      throw new InvalidArgumentException(`${name} must be a positive number, got ${String(value)}`);
    limits[name] = value;
  }
  return limits;
}
