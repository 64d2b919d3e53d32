import { IdxFormatError } from './errors.js';

/** The element types an IDX file can hold. */
export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The typed array that holds each IDX element type. */
export interface IdxDataTypeMap {
  uint8: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
}

/**
 * A parsed IDX file: its element type, its shape and its elements in row-major order, in the
 * platform's byte order. A union over the dtypes, so checking `dtype` narrows `data`.
 */
export type IdxArray<D extends IdxDType = IdxDType> = D extends IdxDType
  ? { readonly dtype: D; readonly shape: readonly number[]; readonly data: IdxDataTypeMap[D] }
  : never;

/** The type code (third byte of the magic number) of each IDX element type. */
export const IDX_TYPE_CODES: Readonly<Record<IdxDType, number>> = Object.freeze({
  uint8: 0x08,
  int8: 0x09,
  int16: 0x0b,
  int32: 0x0c,
  float32: 0x0d,
  float64: 0x0e,
});

const BYTES_PER_ELEMENT: Readonly<Record<IdxDType, number>> = {
  uint8: 1,
  int8: 1,
  int16: 2,
  int32: 4,
  float32: 4,
  float64: 8,
};

function dtypeOfCode(code: number): IdxDType | undefined {
  switch (code) {
    case 0x08:
      return 'uint8';
    case 0x09:
      return 'int8';
    case 0x0b:
      return 'int16';
    case 0x0c:
      return 'int32';
    case 0x0d:
      return 'float32';
    case 0x0e:
      return 'float64';
    default:
      return undefined;
  }
}

/** Options of `parseIdx` and `decodeIdx`. */
export interface ParseIdxOptions {
  /** A name for the bytes (usually the file path), put at the front of every error message. */
  source?: string | undefined;
  /**
   * Copy uint8/int8 elements out of the input (default false: they are a view into the input's
   * buffer, so a 47 MB file is not held twice). Wider types are always decoded into a new array.
   */
  copy?: boolean | undefined;
  /**
   * The most bytes a gzipped input may inflate to (default 1 GiB), used by the decoders that
   * decompress (`decodeIdx`, `decodeIdxSync`, `readIdxFile`). Whatever this cap, they stop as soon
   * as the stream inflates past the size its IDX header declares, with code `'too-large'`.
   */
  maxBytes?: number | undefined;
}

/** The bytes of `input`, for the two input forms the readers accept. */
export function toBytes(input: Uint8Array | ArrayBuffer, op: string): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  throw new TypeError(
    `${op}: expected a Uint8Array or an ArrayBuffer, got ${Object.prototype.toString.call(input)}`,
  );
}

/** True when `bytes` start with the gzip magic number 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

const hex = (n: number, digits: number): string => `0x${n.toString(16).padStart(digits, '0')}`;
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Parses an uncompressed IDX file. The header is big-endian: two zero bytes, a type code
 * (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), the number of
 * dimensions, then one uint32 per dimension; the elements follow, big-endian, row-major.
 *
 * Every malformed input throws an {@link IdxFormatError} whose `code` says what was wrong and
 * whose message gives the byte counts or the offending value. Gzipped input is refused with code
 * `'gzipped'`: decompress it first with the asynchronous {@link decodeIdx} (any platform) or
 * `decodeIdxSync` from `@nabla/data/node`.
 */
export function parseIdx(input: Uint8Array | ArrayBuffer, options: ParseIdxOptions = {}): IdxArray {
  const bytes = toBytes(input, 'parseIdx');
  const { source } = options;
  const length = bytes.length;
  if (isGzip(bytes)) {
    throw new IdxFormatError(
      'gzipped',
      'the input is gzip-compressed: decompress it with decodeIdx() (async) or decodeIdxSync() from @nabla/data/node',
      0,
      source,
    );
  }
  if (length < 4) {
    throw new IdxFormatError(
      'truncated',
      `truncated: the magic number needs 4 bytes, found ${length}`,
      length,
      source,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  const magic = view.getUint32(0, false);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxFormatError(
      'bad-magic',
      `bad magic number ${hex(magic, 8)}: an IDX file starts with two zero bytes, a type code and the number of dimensions`,
      0,
      source,
    );
  }
  const code = bytes[2] as number;
  const dtype = dtypeOfCode(code);
  if (dtype === undefined) {
    throw new IdxFormatError(
      'unsupported-dtype',
      `unsupported type code ${hex(code, 2)} at byte 2 (magic ${hex(magic, 8)}): expected 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32 or 0x0e float64`,
      2,
      source,
    );
  }
  const rank = bytes[3] as number;
  const headerLength = 4 + 4 * rank;
  if (length < headerLength) {
    throw new IdxFormatError(
      'truncated',
      `truncated: the header of a ${rank}-dimensional file needs ${headerLength} bytes, found ${length}`,
      length,
      source,
    );
  }
  const shape: number[] = new Array(rank);
  let size = 1;
  let hasZero = false;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape[i] = d;
    if (d === 0) hasZero = true;
    size *= d;
  }
  if (hasZero) size = 0;
  const itemBytes = BYTES_PER_ELEMENT[dtype];
  const dataBytes = size * itemBytes;
  const expected = headerLength + dataBytes;
  const what = `a ${dtype} array of shape [${shape.join(',')}]`;
  if (!Number.isSafeInteger(expected)) {
    throw new IdxFormatError(
      'truncated',
      `truncated: ${what} needs more than 2^53 bytes, found ${length}`,
      length,
      source,
    );
  }
  if (length < expected) {
    throw new IdxFormatError(
      'truncated',
      `truncated: ${what} needs ${expected} bytes (${headerLength} header + ${dataBytes} data), found ${length}`,
      length,
      source,
    );
  }
  if (length > expected) {
    throw new IdxFormatError(
      'trailing-bytes',
      `${plural(length - expected, 'trailing byte')} after the data: ${what} needs ${expected} bytes, found ${length}`,
      expected,
      source,
    );
  }
  const start = bytes.byteOffset + headerLength;
  const copy = options.copy === true;
  switch (dtype) {
    case 'uint8': {
      const data = new Uint8Array(bytes.buffer, start, size);
      return { dtype, shape, data: copy ? data.slice() : data };
    }
    case 'int8': {
      const data = new Int8Array(bytes.buffer, start, size);
      return { dtype, shape, data: copy ? data.slice() : data };
    }
    case 'int16': {
      const data = new Int16Array(size);
      for (let i = 0, o = headerLength; i < size; i++, o += 2) data[i] = view.getInt16(o, false);
      return { dtype, shape, data };
    }
    case 'int32': {
      const data = new Int32Array(size);
      for (let i = 0, o = headerLength; i < size; i++, o += 4) data[i] = view.getInt32(o, false);
      return { dtype, shape, data };
    }
    case 'float32': {
      const data = new Float32Array(size);
      for (let i = 0, o = headerLength; i < size; i++, o += 4) data[i] = view.getFloat32(o, false);
      return { dtype, shape, data };
    }
    case 'float64': {
      const data = new Float64Array(size);
      for (let i = 0, o = headerLength; i < size; i++, o += 8) data[i] = view.getFloat64(o, false);
      return { dtype, shape, data };
    }
  }
}

/**
 * Writes an IDX file (uncompressed, big-endian), the inverse of {@link parseIdx}: for tests,
 * fixtures and exporting arrays to other tools.
 */
export function encodeIdx(array: IdxArray): Uint8Array {
  const { dtype, shape, data } = array;
  const code = IDX_TYPE_CODES[dtype];
  if (code === undefined) {
    throw new TypeError(
      `encodeIdx: unknown dtype ${JSON.stringify(dtype)}: expected uint8, int8, int16, int32, float32 or float64`,
    );
  }
  if (!ArrayBuffer.isView(data) || data.BYTES_PER_ELEMENT !== BYTES_PER_ELEMENT[dtype]) {
    throw new TypeError(
      `encodeIdx: dtype ${dtype} needs a typed array of ${BYTES_PER_ELEMENT[dtype]}-byte elements, got ${Object.prototype.toString.call(data)}`,
    );
  }
  if (shape.length > 255) {
    throw new RangeError(`encodeIdx: an IDX file has at most 255 dimensions, got ${shape.length}`);
  }
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i] as number;
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) {
      throw new RangeError(
        `encodeIdx: dimension ${i} of shape [${shape.join(',')}] is ${d}, expected an integer in [0, 2^32)`,
      );
    }
    size *= d;
  }
  if (data.length !== size) {
    throw new RangeError(
      `encodeIdx: shape [${shape.join(',')}] needs ${size} elements but the data has ${data.length}`,
    );
  }
  const headerLength = 4 + 4 * shape.length;
  const out = new Uint8Array(headerLength + size * BYTES_PER_ELEMENT[dtype]);
  const view = new DataView(out.buffer);
  view.setUint32(0, (code << 8) | shape.length, false);
  for (let i = 0; i < shape.length; i++) view.setUint32(4 + 4 * i, shape[i] as number, false);
  const o = headerLength;
  switch (dtype) {
    case 'uint8':
    case 'int8':
      out.set(new Uint8Array(data.buffer, data.byteOffset, size), o);
      break;
    case 'int16':
      for (let i = 0; i < size; i++) view.setInt16(o + 2 * i, data[i] as number, false);
      break;
    case 'int32':
      for (let i = 0; i < size; i++) view.setInt32(o + 4 * i, data[i] as number, false);
      break;
    case 'float32':
      for (let i = 0; i < size; i++) view.setFloat32(o + 4 * i, data[i] as number, false);
      break;
    case 'float64':
      for (let i = 0; i < size; i++) view.setFloat64(o + 8 * i, data[i] as number, false);
      break;
  }
  return out;
}
