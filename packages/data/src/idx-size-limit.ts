import { IdxFormatError } from './errors.js';

/** The largest IDX file the decoders inflate by default: 1 GiB (MNIST's largest file is 47 MB). */
export const DEFAULT_MAX_IDX_BYTES = 2 ** 30;

const ITEM_BYTES: Readonly<Record<number, number>> = {
  8: 1,
  9: 1,
  11: 2,
  12: 4,
  13: 4,
  14: 8,
};

/**
 * The total byte length (header + data) that the IDX header at the start of `head` declares, or
 * undefined when `head` is too short to hold the whole header or is not an IDX header at all (the
 * parser then reports what is wrong). Lets a decompressor stop as soon as it has inflated more
 * than the file can legitimately hold, instead of inflating a gzip bomb to the end.
 */
export function declaredIdxLength(head: Uint8Array): number | undefined {
  if (head.length < 4 || head[0] !== 0 || head[1] !== 0) return undefined;
  const item = ITEM_BYTES[head[2] as number];
  if (item === undefined) return undefined;
  const rank = head[3] as number;
  const headerLength = 4 + 4 * rank;
  if (head.length < headerLength) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, headerLength);
  let size = item;
  for (let i = 0; i < rank; i++) size *= view.getUint32(4 + 4 * i, false);
  return headerLength + size;
}

/**
 * Tracks the bytes a gzip stream has inflated so far and throws an {@link IdxFormatError} with
 * code `'too-large'` as soon as they exceed what the IDX header declares (or `maxBytes`). The
 * error message says how many bytes were inflated when it stopped, which bounds the memory used.
 */
export class IdxInflateLimit {
  private readonly head: Uint8Array[] = [];
  private headLength = 0;
  private declared: number | undefined;
  private total = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly source: string | undefined,
  ) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
      throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
    }
  }

  /** The most bytes the stream may inflate to: the declared length, capped by `maxBytes`. */
  get limit(): number {
    return this.declared === undefined ? this.maxBytes : Math.min(this.declared, this.maxBytes);
  }

  /** Records one more inflated chunk; throws once the stream has gone past the limit. */
  add(chunk: Uint8Array): void {
    this.total += chunk.length;
    if (this.declared === undefined && this.headLength < 1028) {
      this.head.push(chunk);
      this.headLength += chunk.length;
      const joined = concat(this.head, this.headLength);
      this.declared = declaredIdxLength(joined);
      if (this.declared !== undefined && this.declared > this.maxBytes) {
        throw new IdxFormatError(
          'too-large',
          `the IDX header declares ${this.declared} bytes, over the limit of ${this.maxBytes} bytes (maxBytes); stopped after inflating ${this.total} bytes`,
          0,
          this.source,
        );
      }
    }
    if (this.total > this.limit) {
      const why =
        this.declared === undefined
          ? `the limit of ${this.maxBytes} bytes (maxBytes)`
          : `the ${this.declared} bytes its IDX header declares`;
      throw new IdxFormatError(
        'too-large',
        `the gzip stream inflates to more than ${why}; stopped after inflating ${this.total} bytes`,
        this.limit,
        this.source,
      );
    }
  }
}

/** The first `length` bytes of `chunks`, as one array. */
export function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1 && (chunks[0] as Uint8Array).length === length) {
    return chunks[0] as Uint8Array;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= length) break;
    const part = chunk.subarray(0, length - offset);
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
