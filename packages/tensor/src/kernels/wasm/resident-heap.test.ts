import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOCK_ALIGN, ResidentHeap } from './resident-heap.js';

describe('ResidentHeap', () => {
  it('hands out 64-byte aligned blocks from the start, padded to whole lines', () => {
    const heap = new ResidentHeap(1024);
    expect(heap.allocate(4, Number.POSITIVE_INFINITY)).toBe(1024);
    expect(heap.allocate(65, Number.POSITIVE_INFINITY)).toBe(1088);
    expect(heap.sizeAt(1088)).toBe(128);
    expect(heap.top).toBe(1216);
    expect(heap.usedBytes).toBe(192);
    expect(heap.blocks).toBe(2);
  });

  it('refuses a block that would end past the limit, and keeps its books unchanged', () => {
    const heap = new ResidentHeap(0);
    expect(heap.allocate(100, 128)).toBe(0);
    expect(heap.allocate(64, 128)).toBeUndefined();
    expect([heap.top, heap.blocks, heap.usedBytes]).toEqual([128, 1, 128]);
  });

  it('reuses freed space first fit, merges neighbours and lowers the top', () => {
    const heap = new ResidentHeap(0);
    const [a, b, c] = [64, 64, 64].map((s) => heap.allocate(s, 1e9) as number) as [
      number,
      number,
      number,
    ];
    expect(heap.release(a)).toBe(true);
    expect(heap.release(a)).toBe(false);
    expect(heap.release(b)).toBe(true);
    // a and b merged into one 128-byte range at 0.
    expect(heap.allocate(128, 1e9)).toBe(0);
    expect(heap.top).toBe(192);
    heap.release(0);
    heap.release(c);
    expect([heap.top, heap.blocks, heap.usedBytes]).toEqual([0, 0, 0]);
  });

  it('never lets two live blocks overlap, and gives everything back (random sequences)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 5000 }), fc.nat()), {
          maxLength: 200,
        }),
        (ops) => {
          const heap = new ResidentHeap(128);
          const live = new Map<number, number>();
          for (const [alloc, bytes, pick] of ops) {
            if (alloc || live.size === 0) {
              const at = heap.allocate(bytes, 1 << 20);
              if (at === undefined) continue;
              expect(at % BLOCK_ALIGN).toBe(0);
              expect(heap.sizeAt(at)).toBeGreaterThanOrEqual(bytes);
              for (const [o, s] of live) expect(at + bytes <= o || o + s <= at).toBe(true);
              expect(at + heap.sizeAt(at)).toBeLessThanOrEqual(heap.top);
              live.set(at, bytes);
            } else {
              const keys = [...live.keys()];
              const at = keys[pick % keys.length] as number;
              expect(heap.release(at)).toBe(true);
              live.delete(at);
            }
          }
          for (const at of live.keys()) heap.release(at);
          expect([heap.top, heap.blocks, heap.usedBytes]).toEqual([128, 0, 0]);
        },
      ),
    );
  });
});
