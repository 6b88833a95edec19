/**
 * Malformed EBML (or Matroska structure) at an absolute byte offset of the input. It never leaves
 * the reader: mkv/ turns it into an InvalidArgumentException that also names the fragment.
 */
export class EbmlError extends Error {
  override readonly name = 'EbmlError';

  constructor(
    message: string,
    readonly byteOffset: number,
  ) {
    super(message);
  }
}
