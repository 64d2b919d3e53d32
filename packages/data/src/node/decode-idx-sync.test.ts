import { gzipSync as zlibGzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IdxFormatError } from '../errors.js';
import { encodeIdx } from '../idx.js';
import { decodeIdxSync, gunzipAsync, gunzipSync } from './decode-idx-sync.js';

const file = encodeIdx({ dtype: 'float64', shape: [3], data: Float64Array.of(0.5, -2, 1e-300) });
const gz = new Uint8Array(zlibGzip(file));

describe('decodeIdxSync', () => {
  it('parses raw and gzipped bytes alike', () => {
    for (const input of [file, gz]) {
      const a = decodeIdxSync(input);
      expect(a.dtype).toBe('float64');
      expect(Array.from(a.data)).toEqual([0.5, -2, 1e-300]);
    }
  });

  it('reports a corrupt gzip stream as corrupt-gzip, naming the source', () => {
    const broken = gz.slice(0, gz.length - 5);
    let caught: unknown;
    try {
      decodeIdxSync(broken, { source: 'f.gz' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(IdxFormatError);
    expect((caught as IdxFormatError).code).toBe('corrupt-gzip');
    expect((caught as IdxFormatError).message).toMatch(/^f\.gz: corrupt gzip stream: /);
  });
});

describe('gunzipSync / gunzipAsync', () => {
  it('return the original bytes', async () => {
    expect(gunzipSync(gz)).toEqual(file);
    expect(await gunzipAsync(gz)).toEqual(file);
  });

  it('reject a damaged stream with an IdxFormatError', async () => {
    const damaged = gz.slice();
    damaged[3] = 0xff; // reserved flag bits set
    expect(() => gunzipSync(damaged)).toThrow(IdxFormatError);
    await expect(gunzipAsync(damaged)).rejects.toThrow(IdxFormatError);
  });
});

describe('gunzipSync / decodeIdxSync against gzip bombs', () => {
  const header = encodeIdx({ dtype: 'uint8', shape: [10, 28, 28], data: new Uint8Array(7840) });
  const raw = new Uint8Array(header.length + 64 * 2 ** 20);
  raw.set(header);
  const bomb = new Uint8Array(zlibGzip(raw, { level: 1 }));

  it('inflates no more than the declared size, then refuses with too-large', () => {
    let caught: unknown;
    try {
      decodeIdxSync(bomb, { source: 'bomb.gz' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(IdxFormatError);
    expect((caught as IdxFormatError).code).toBe('too-large');
    expect((caught as IdxFormatError).message).toBe(
      'bomb.gz: the gzip stream inflates to more than the 7856 bytes its IDX header declares; stopped after inflating 7856 bytes',
    );
  });

  it('caps a stream that is not IDX at maxBytes', () => {
    const junk = new Uint8Array(zlibGzip(new Uint8Array(100_000).fill(65)));
    expect(() => gunzipSync(junk, 'j.gz', 50_000)).toThrow(
      /j\.gz: the gzip stream inflates to more than the limit of 50000 bytes/,
    );
  });
});
