/** Resident blocks start on 64-byte boundaries and span a whole number of 64-byte lines. */
export const BLOCK_ALIGN = 64;

const roundUp = (bytes: number): number => Math.ceil(bytes / BLOCK_ALIGN) * BLOCK_ALIGN;

/**
 * The bookkeeping of the blocks that tensors hold in the wasm memory ("resident" tensors): which
 * byte ranges above `start` are taken. First fit over a list of free ranges kept sorted and
 * merged; a block freed at the top lowers the top, so the scratch space the kernels stage operands
 * in (everything above `top`) shrinks back. Offsets only: the memory itself is the caller's.
 */
export class ResidentHeap {
  /** The first byte of the heap. */
  readonly start: number;
  private end: number;
  /** Taken blocks: offset → size in bytes. */
  private readonly taken = new Map<number, number>();
  /** Free ranges below `end`, sorted by offset, never adjacent to each other. */
  private readonly free: { offset: number; size: number }[] = [];
  private bytes = 0;

  constructor(start: number) {
    if (start % BLOCK_ALIGN !== 0) {
      throw new RangeError(`ResidentHeap: start ${start} is not a multiple of ${BLOCK_ALIGN}`);
    }
    this.start = start;
    this.end = start;
  }

  /** One past the highest byte in use: the scratch space starts here. */
  get top(): number {
    return this.end;
  }

  /** Bytes held by taken blocks. */
  get usedBytes(): number {
    return this.bytes;
  }

  /** Taken blocks. */
  get blocks(): number {
    return this.taken.size;
  }

  /**
   * The offset of a new block of at least `bytes` (rounded up to 64), or undefined when it would
   * end past `limit` (the caller grows the memory up to `top` after a successful call).
   */
  allocate(bytes: number, limit: number): number | undefined {
    const size = roundUp(Math.max(bytes, 1));
    const free = this.free;
    for (let i = 0; i < free.length; i++) {
      const range = free[i] as { offset: number; size: number };
      if (range.size < size) continue;
      const offset = range.offset;
      if (range.size === size) free.splice(i, 1);
      else {
        range.offset += size;
        range.size -= size;
      }
      return this.take(offset, size);
    }
    // No free range fits (and none touches the top: `release` lowers the top instead).
    const from = this.end;
    if (from + size > limit) return undefined;
    this.end = from + size;
    return this.take(from, size);
  }

  private take(offset: number, size: number): number {
    this.taken.set(offset, size);
    this.bytes += size;
    return offset;
  }

  /** The size of the block at `offset`, or 0 when no block starts there. */
  sizeAt(offset: number): number {
    return this.taken.get(offset) ?? 0;
  }

  /** Frees the block at `offset`; false when no block starts there (already freed). */
  release(offset: number): boolean {
    const size = this.taken.get(offset);
    if (size === undefined) return false;
    this.taken.delete(offset);
    this.bytes -= size;
    const free = this.free;
    // Insert in order, then merge with the neighbours.
    let i = 0;
    while (i < free.length && (free[i] as { offset: number }).offset < offset) i++;
    free.splice(i, 0, { offset, size });
    const next = free[i + 1];
    const cur = free[i] as { offset: number; size: number };
    if (next !== undefined && cur.offset + cur.size === next.offset) {
      cur.size += next.size;
      free.splice(i + 1, 1);
    }
    const prev = free[i - 1];
    if (prev !== undefined && prev.offset + prev.size === cur.offset) {
      prev.size += cur.size;
      free.splice(i, 1);
    }
    // A free range that reaches the top gives the space back to the scratch area.
    const last = free[free.length - 1];
    if (last !== undefined && last.offset + last.size === this.end) {
      this.end = last.offset;
      free.pop();
    }
    return true;
  }
}
