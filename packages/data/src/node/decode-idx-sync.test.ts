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
