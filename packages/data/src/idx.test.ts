import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeIdx } from './decode-idx.js';
import { type IdxErrorCode, IdxFormatError } from './errors.js';
import { encodeIdx, type IdxArray, type IdxDType, isGzip, parseIdx } from './idx.js';

/** Runs `fn`, expects an IdxFormatError with `code`, and returns it for further checks. */
function idxError(fn: () => unknown, code: IdxErrorCode): IdxFormatError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(IdxFormatError);
    expect((error as IdxFormatError).code).toBe(code);
    return error as IdxFormatError;
  }
  throw new Error(`expected an IdxFormatError with code ${code}, but nothing was thrown`);
}

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

/** Hand-written files, one per dtype, with the values their big-endian bytes mean. */
const fixtures: { dtype: IdxDType; file: Uint8Array; shape: number[]; values: number[] }[] = [
  {
    dtype: 'uint8',
    file: bytes(0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 1, 2, 253, 254, 255),
    shape: [2, 3],
    values: [0, 1, 2, 253, 254, 255],
  },
  {
    dtype: 'int8',
    file: bytes(0, 0, 0x09, 1, 0, 0, 0, 3, 0x80, 0xff, 0x7f),
    shape: [3],
    values: [-128, -1, 127],
  },
  {
    dtype: 'int16',
    file: bytes(0, 0, 0x0b, 1, 0, 0, 0, 3, 0xff, 0xfe, 0x01, 0x02, 0x80, 0x00),
    shape: [3],
    values: [-2, 258, -32768],
  },
  {
    dtype: 'int32',
    file: bytes(0, 0, 0x0c, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xfe, 1, 2, 3, 4),
    shape: [1, 2],
    values: [-2, 0x01020304],
  },
  {
    dtype: 'float32',
    file: bytes(0, 0, 0x0d, 1, 0, 0, 0, 2, 0x3f, 0x80, 0, 0, 0xc0, 0x49, 0x0f, 0xdb),
    shape: [2],
    values: [1, Math.fround(-Math.PI)],
  },
  {
    dtype: 'float64',
    file: bytes(
      ...[0, 0, 0x0e, 1, 0, 0, 0, 2],
      ...[0xbf, 0xf8, 0, 0, 0, 0, 0, 0],
      ...[0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18],
    ),
    shape: [2],
    values: [-1.5, Math.PI],
  },
];

describe('parseIdx', () => {
  for (const { dtype, file, shape, values } of fixtures) {
    it(`reads a raw ${dtype} file`, () => {
      const a = parseIdx(file);
      expect(a.dtype).toBe(dtype);
      expect(a.shape).toEqual(shape);
      expect(Array.from(a.data)).toEqual(values);
    });

    it(`reads a gzipped ${dtype} file through decodeIdx`, async () => {
      const gz = new Uint8Array(gzipSync(file));
      expect(isGzip(gz)).toBe(true);
      const a = await decodeIdx(gz);
      expect(a.dtype).toBe(dtype);
      expect(a.shape).toEqual(shape);
      expect(Array.from(a.data)).toEqual(values);
    });

    it(`writes the same ${dtype} bytes back with encodeIdx`, () => {
      expect(encodeIdx(parseIdx(file))).toEqual(file);
    });
  }

  it('gives each dtype its typed array', () => {
    const kinds = fixtures.map(({ file }) => parseIdx(file).data.constructor.name);
    expect(kinds).toEqual([
      'Uint8Array',
      'Int8Array',
      'Int16Array',
      'Int32Array',
      'Float32Array',
      'Float64Array',
    ]);
  });

  it('accepts an ArrayBuffer and a Uint8Array that is a window into a larger buffer', () => {
    const file = (fixtures[2] as (typeof fixtures)[number]).file;
    const big = new Uint8Array(file.length + 7);
    big.set(file, 5);
    expect(Array.from(parseIdx(big.subarray(5, 5 + file.length)).data)).toEqual([-2, 258, -32768]);
    expect(Array.from(parseIdx(file.slice().buffer).data)).toEqual([-2, 258, -32768]);
  });

  it('returns uint8 data as a view of the input unless copy is asked for', () => {
    const file = (fixtures[0] as (typeof fixtures)[number]).file.slice();
    const view = parseIdx(file);
    const copy = parseIdx(file, { copy: true });
    file[12] = 99; // the first element
    expect(view.data[0]).toBe(99);
    expect(copy.data[0]).toBe(0);
  });

  it('reads empty arrays and zero-dimensional files', () => {
    const empty = parseIdx(bytes(0, 0, 0x0c, 2, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff));
    expect(empty.shape).toEqual([0, 0xffffffff]);
    expect(empty.data.length).toBe(0);
    const scalar = parseIdx(bytes(0, 0, 0x08, 0, 42));
    expect(scalar.shape).toEqual([]);
    expect(Array.from(scalar.data)).toEqual([42]);
  });

  it('rejects a wrong magic number, naming it', () => {
    const e = idxError(() => parseIdx(bytes(0x50, 0x4b, 3, 4, 0, 0, 0, 0)), 'bad-magic');
    expect(e.offset).toBe(0);
    expect(e.message).toContain('0x504b0304');
    idxError(() => parseIdx(bytes(0, 1, 0x08, 1, 0, 0, 0, 0)), 'bad-magic');
  });

  it('rejects an unsupported type code, naming it', () => {
    for (const code of [0x00, 0x07, 0x0a, 0x0f, 0xff]) {
      const e = idxError(() => parseIdx(bytes(0, 0, code, 1, 0, 0, 0, 0)), 'unsupported-dtype');
      expect(e.offset).toBe(2);
      expect(e.message).toContain(`0x${code.toString(16).padStart(2, '0')}`);
    }
  });

  it('rejects a truncated file, saying how many bytes were expected and found', () => {
    expect(idxError(() => parseIdx(bytes(0, 0, 8)), 'truncated').message).toContain(
      'needs 4 bytes, found 3',
    );
    const header = idxError(() => parseIdx(bytes(0, 0, 8, 3, 0, 0, 0, 1, 0, 0)), 'truncated');
    expect(header.message).toContain('header of a 3-dimensional file needs 16 bytes, found 10');
    const data = idxError(
      () => parseIdx(bytes(0, 0, 0x0b, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5)),
      'truncated',
    );
    expect(data.message).toContain(
      'int16 array of shape [2,2] needs 20 bytes (12 header + 8 data), found 17',
    );
    expect(data.offset).toBe(17);
  });

  it('rejects dimensions whose size cannot exist', () => {
    const huge = bytes(0, 0, 0x0e, 3, ...Array<number>(12).fill(0xff));
    expect(idxError(() => parseIdx(huge), 'truncated').message).toContain('more than 2^53 bytes');
  });

  it('rejects trailing bytes, saying where the data should have ended', () => {
    const file = (fixtures[1] as (typeof fixtures)[number]).file;
    const e = idxError(() => parseIdx(bytes(...file, 0, 0)), 'trailing-bytes');
    expect(e.offset).toBe(file.length);
    expect(e.message).toContain(
      `2 trailing bytes after the data: a int8 array of shape [3] needs ${file.length} bytes, found ${file.length + 2}`,
    );
  });

  it('puts the source name at the front of its messages', () => {
    const e = idxError(() => parseIdx(bytes(1, 2, 3, 4), { source: 'digits.idx' }), 'bad-magic');
    expect(e.message.startsWith('digits.idx: bad magic number')).toBe(true);
    expect(e.source).toBe('digits.idx');
  });

  it('refuses gzip input and points to decodeIdx', () => {
    const gz = new Uint8Array(gzipSync((fixtures[0] as (typeof fixtures)[number]).file));
    expect(idxError(() => parseIdx(gz), 'gzipped').message).toContain('decodeIdx');
  });

  it('rejects input that is not bytes with a TypeError', () => {
    expect(() => parseIdx([0, 0, 8, 0, 1] as unknown as Uint8Array)).toThrow(
      /expected a Uint8Array or an ArrayBuffer/,
    );
  });
});

describe('encodeIdx', () => {
  it('round-trips every dtype through parseIdx', () => {
    const arrays: IdxArray[] = [
      { dtype: 'uint8', shape: [2, 2], data: Uint8Array.of(0, 7, 128, 255) },
      { dtype: 'int8', shape: [2], data: Int8Array.of(-128, 127) },
      { dtype: 'int16', shape: [1, 1, 2], data: Int16Array.of(-32768, 32767) },
      { dtype: 'int32', shape: [3], data: Int32Array.of(-(2 ** 31), 0, 2 ** 31 - 1) },
      { dtype: 'float32', shape: [2], data: Float32Array.of(-0, Number.POSITIVE_INFINITY) },
      { dtype: 'float64', shape: [2], data: Float64Array.of(Number.MIN_VALUE, -1e300) },
    ];
    for (const a of arrays) {
      const back = parseIdx(encodeIdx(a));
      expect(back.dtype).toBe(a.dtype);
      expect(back.shape).toEqual(a.shape);
      expect(Array.from(back.data)).toEqual(Array.from(a.data));
    }
  });

  it('rejects data that does not fit the shape or the dtype', () => {
    expect(() => encodeIdx({ dtype: 'uint8', shape: [3], data: new Uint8Array(2) })).toThrow(
      'shape [3] needs 3 elements but the data has 2',
    );
    const wrong = { dtype: 'int16', shape: [1], data: new Float64Array(1) } as unknown as IdxArray;
    expect(() => encodeIdx(wrong)).toThrow(/int16 needs a typed array of 2-byte elements/);
    expect(() => encodeIdx({ dtype: 'uint8', shape: [-1], data: new Uint8Array(0) })).toThrow(
      /dimension 0 of shape \[-1\] is -1/,
    );
  });
});
