import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeIdx } from './decode-idx.js';
import { IdxFormatError } from './errors.js';
import { encodeIdx, type IdxArray, type IdxDType, parseIdx } from './idx.js';

const ITEM_BYTES: Record<IdxDType, number> = {
  uint8: 1,
  int8: 1,
  int16: 2,
  int32: 4,
  float32: 4,
  float64: 8,
};

/** Well-formed IDX arrays of every dtype, up to rank 3 and 60 elements. */
const idxArray: fc.Arbitrary<IdxArray> = fc
  .tuple(
    fc.constantFrom<IdxDType>('uint8', 'int8', 'int16', 'int32', 'float32', 'float64'),
    fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  )
  .chain(([dtype, shape]): fc.Arbitrary<IdxArray> => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = (v: fc.Arbitrary<number>) => fc.array(v, { minLength: n, maxLength: n });
    switch (dtype) {
      case 'uint8':
        return values(fc.integer({ min: 0, max: 255 })).map((v) => ({
          dtype,
          shape,
          data: Uint8Array.from(v),
        }));
      case 'int8':
        return values(fc.integer({ min: -128, max: 127 })).map((v) => ({
          dtype,
          shape,
          data: Int8Array.from(v),
        }));
      case 'int16':
        return values(fc.integer({ min: -32768, max: 32767 })).map((v) => ({
          dtype,
          shape,
          data: Int16Array.from(v),
        }));
      case 'int32':
        return values(fc.integer()).map((v) => ({ dtype, shape, data: Int32Array.from(v) }));
      case 'float32':
        return values(fc.float()).map((v) => ({ dtype, shape, data: Float32Array.from(v) }));
      case 'float64':
        return values(fc.double()).map((v) => ({ dtype, shape, data: Float64Array.from(v) }));
    }
  });

/**
 * The contract: a result is consistent with the bytes it came from, and anything else is an
 * IdxFormatError. Returns the result or the error.
 */
function parseOrNamedError(bytes: Uint8Array): IdxArray | IdxFormatError {
  let result: IdxArray;
  try {
    result = parseIdx(bytes);
  } catch (error) {
    if (error instanceof IdxFormatError) return error;
    throw error; // any other exception fails the property
  }
  const size = result.shape.reduce((a, b) => a * b, 1);
  expect(result.data.length).toBe(size);
  expect(bytes.length).toBe(4 + 4 * result.shape.length + size * ITEM_BYTES[result.dtype]);
  return result;
}

/** Bytes that start like an IDX header (small rank and dimensions), so parsing gets past byte 4. */
const headerish = fc
  .tuple(
    fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x0a, 0x00, 0xff),
    fc.integer({ min: 0, max: 3 }),
    fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }),
    fc.uint8Array({ maxLength: 80 }),
  )
  .map(([code, rank, dims, tail]) => {
    const header = [0, 0, code, rank];
    for (const d of dims) header.push(0, 0, 0, d);
    return Uint8Array.from([...header, ...tail]);
  });

describe('parseIdx on random and mutated bytes', () => {
  it('random bytes parse consistently or throw an IdxFormatError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        parseOrNamedError(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('random bytes behind a plausible header parse consistently or throw an IdxFormatError', () => {
    fc.assert(
      fc.property(headerish, (bytes) => {
        parseOrNamedError(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('well-formed files round-trip exactly', () => {
    fc.assert(
      fc.property(idxArray, (a) => {
        const back = parseIdx(encodeIdx(a));
        expect(back.dtype).toBe(a.dtype);
        expect(back.shape).toEqual(a.shape);
        expect(Array.from(back.data)).toEqual(Array.from(a.data));
      }),
      { numRuns: 500 },
    );
  });

  it('a well-formed file cut short is always "truncated"', () => {
    fc.assert(
      fc.property(idxArray, fc.nat(), (a, cut) => {
        const file = encodeIdx(a);
        const short = file.subarray(0, cut % file.length);
        const e = parseOrNamedError(short);
        expect(e).toBeInstanceOf(IdxFormatError);
        expect((e as IdxFormatError).code).toBe('truncated');
        expect((e as IdxFormatError).offset).toBe(short.length);
      }),
      { numRuns: 500 },
    );
  });

  it('a well-formed file with bytes appended is always "trailing-bytes" at its end', () => {
    fc.assert(
      fc.property(idxArray, fc.uint8Array({ minLength: 1, maxLength: 9 }), (a, extra) => {
        const file = encodeIdx(a);
        const e = parseOrNamedError(Uint8Array.from([...file, ...extra]));
        expect(e).toBeInstanceOf(IdxFormatError);
        expect((e as IdxFormatError).code).toBe('trailing-bytes');
        expect((e as IdxFormatError).offset).toBe(file.length);
      }),
      { numRuns: 500 },
    );
  });

  it('a well-formed file with bytes overwritten, inserted or deleted parses consistently or throws an IdxFormatError', () => {
    const edit = fc.record({
      kind: fc.constantFrom('set', 'insert', 'delete'),
      at: fc.nat(),
      value: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(idxArray, fc.array(edit, { minLength: 1, maxLength: 4 }), (a, edits) => {
        const bytes = Array.from(encodeIdx(a));
        for (const { kind, at, value } of edits) {
          const i = at % (bytes.length + 1);
          if (kind === 'set' && i < bytes.length) bytes[i] = value;
          else if (kind === 'insert') bytes.splice(i, 0, value);
          else bytes.splice(i, 1);
        }
        parseOrNamedError(Uint8Array.from(bytes));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('decodeIdx on mutated gzip streams', () => {
  it('a damaged gzip stream decodes consistently or rejects with an IdxFormatError', async () => {
    await fc.assert(
      fc.asyncProperty(
        idxArray,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.nat(),
        async (a, sets, cut) => {
          const gz = new Uint8Array(gzipSync(encodeIdx(a)));
          // keep the gzip magic so that the stream is recognised as gzip
          for (const [at, value] of sets) gz[2 + (at % (gz.length - 2))] = value;
          const damaged = gz.subarray(0, 2 + (cut % (gz.length - 1)));
          let result: IdxArray | undefined;
          try {
            result = await decodeIdx(damaged);
          } catch (error) {
            if (!(error instanceof IdxFormatError)) throw error;
          }
          if (result) {
            const size = result.shape.reduce((x, y) => x * y, 1);
            expect(result.data.length).toBe(size);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
