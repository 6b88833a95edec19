/** Types of laced-stream.mjs, for the tests that write the same stream. */
export function writeLacedStream(
  path: string,
  options: { frames: number; fragmentFrames?: number; startMs?: number },
): { bytes: number; fragments: number };
