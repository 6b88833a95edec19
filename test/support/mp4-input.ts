/** Reads a Matroska file through the real reader and codec checker, as the library's callers do. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createCodecChecker } from '../../src/codecs/index.js';
import type { CheckedFragment } from '../../src/codecs/types.js';
import { readFragments } from '../../src/mkv/index.js';
import type { ReaderWarning } from '../../src/mkv/types.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures', import.meta.url));
export const SAMPLES = fileURLToPath(new URL('../../../shared/kvs-samples/mkv', import.meta.url));
export const hasSamples = existsSync(SAMPLES);

export async function checkedFragments(path: string): Promise<{ fragments: CheckedFragment[]; warnings: ReaderWarning[] }> {
  const warnings: ReaderWarning[] = [];
  const checker = createCodecChecker({ onWarning: (w) => warnings.push(w) });
  const fragments: CheckedFragment[] = [];
  for await (const fragment of readFragments(new Uint8Array(readFileSync(path)), { onWarning: (w) => warnings.push(w) })) {
    fragments.push(checker.check(fragment));
  }
  return { fragments, warnings };
}
