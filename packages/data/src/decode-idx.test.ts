import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeIdx, gunzip } from './decode-idx.js';
import { IdxFormatError } from './errors.js';
import { encodeIdx } from './idx.js';

const file = encodeIdx({ dtype: 'int32', shape: [2, 3], data: Int32Array.of(1, -2, 3, -4, 5, -6) });

async function rejection(promise: Promise<unknown>): Promise<IdxFormatError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IdxFormatError);
  return error as IdxFormatError;
}

describe('decodeIdx', () => {
  it('parses raw input without decompressing', async () => {
    const a = await decodeIdx(file);
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, -2, 3, -4, 5, -6]);
  });

  it('decompresses a large gzip stream that arrives in many chunks', async () => {
    const big = new Uint8Array(300_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
    const raw = encodeIdx({ dtype: 'uint8', shape: [300, 1000], data: big });
    const a = await decodeIdx(new Uint8Array(gzipSync(raw)));
    expect(a.shape).toEqual([300, 1000]);
    expect(a.data.length).toBe(big.length);
    expect(a.data.findIndex((v, i) => v !== big[i])).toBe(-1);
  });

  it('reports a truncated gzip stream as corrupt-gzip, naming the source', async () => {
    const gz = new Uint8Array(gzipSync(file));
    const e = await rejection(decodeIdx(gz.subarray(0, gz.length - 6), { source: 'x.idx.gz' }));
    expect(e.code).toBe('corrupt-gzip');
    expect(e.message).toMatch(/^x\.idx\.gz: corrupt gzip stream/);
  });

  it('reports damaged deflate data as corrupt-gzip', async () => {
    const gz = new Uint8Array(gzipSync(file));
    gz[12] = (gz[12] as number) ^ 0xff;
    gz[13] = (gz[13] as number) ^ 0xff;
    expect((await rejection(decodeIdx(gz))).code).toBe('corrupt-gzip');
  });

  it('reports a gzip stream whose contents are not IDX with the IDX error', async () => {
    const gz = new Uint8Array(gzipSync(new TextEncoder().encode('hello, world')));
    expect((await rejection(decodeIdx(gz))).code).toBe('bad-magic');
  });

  it('gunzip returns exactly the compressed bytes', async () => {
    expect(await gunzip(new Uint8Array(gzipSync(file)))).toEqual(file);
  });
});

describe('decodeIdx against gzip bombs', () => {
  // A header declaring 10 images of 28×28 (7,856 bytes) followed by 64 MiB of zeros: 64 KB of
  // gzip. Before the cap, it was inflated in full (and then refused for trailing bytes).
  const header = encodeIdx({ dtype: 'uint8', shape: [10, 28, 28], data: new Uint8Array(7840) });
  const bomb = (): Uint8Array => {
    const raw = new Uint8Array(header.length + 64 * 2 ** 20);
    raw.set(header);
    return new Uint8Array(gzipSync(raw, { level: 1 }));
  };

  it('stops inflating just past the size the IDX header declares', async () => {
    const gz = bomb();
    expect(gz.length).toBeLessThan(2 ** 20);
    const e = await rejection(decodeIdx(gz, { source: 'bomb.gz' }));
    expect(e.code).toBe('too-large');
    expect(e.message).toMatch(/^bomb\.gz: the gzip stream inflates to more than the 7856 bytes/);
    // The memory bound: what was inflated when it stopped (one chunk past the declared size).
    const inflated = Number(/stopped after inflating (\d+) bytes/.exec(e.message)?.[1]);
    expect(inflated).toBeGreaterThan(7856);
    expect(inflated).toBeLessThanOrEqual(7856 + 2 ** 20);
  });

  it('refuses a header declaring more than maxBytes before inflating the data', async () => {
    const big = new Uint8Array(header);
    new DataView(big.buffer).setUint32(4, 60000, false); // 60,000 × 784 = 47 MB declared
    const e = await rejection(
      decodeIdx(new Uint8Array(gzipSync(big)), { source: 'x.gz', maxBytes: 1_000_000 }),
    );
    expect(e.code).toBe('too-large');
    expect(e.message).toMatch(/header declares 47040016 bytes, over the limit of 1000000 bytes/);
  });

  it('still decodes a gzip stream of exactly the declared size', async () => {
    const a = await decodeIdx(new Uint8Array(gzipSync(header)));
    expect(a.shape).toEqual([10, 28, 28]);
  });
});
