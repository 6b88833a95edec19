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

/**
 * A limit of the caller's (an option with a safe default) that the input exceeds: not malformed
 * input, so its message is not prefixed as such, and it names the option.
 */
export class EbmlLimitError extends EbmlError {
  constructor(
    /** The option, e.g. `maxFramesPerFragment`. */
    readonly limit: string,
    message: string,
    byteOffset: number,
  ) {
    super(message, byteOffset);
  }
}
