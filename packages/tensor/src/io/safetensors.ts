import type { DType, TypedArrayFor } from '../dtype.js';
import { formatShape } from '../shape.js';
import { isTensor, Tensor } from '../tensor.js';

/**
 * The safetensors format (https://github.com/huggingface/safetensors), bytes in and bytes out, so
 * that it runs in a browser as well as in Node:
 *
 * ```text
 * [8 bytes]  N, the header length: unsigned 64-bit little-endian
 * [N bytes]  a UTF-8 JSON object, padded at the end with spaces:
 *            { "__metadata__": { "key": "value", ... },            (optional, strings only)
 *              "name": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, ... }
 * [rest]     the tensors' raw little-endian, row-major bytes; offsets are relative to the byte
 *            after the header and the ranges cover the rest exactly, without gaps or overlaps
 * ```
 */

/** What went wrong, for code that wants to branch on it; the message says it for people. */
export type SafetensorsErrorCode =
  | 'truncated'
  | 'header-too-large'
  | 'bad-header'
  | 'bad-metadata'
  | 'bad-entry'
  | 'bad-dtype'
  | 'bad-shape'
  | 'bad-offsets'
  | 'bad-input';

/** A malformed or truncated safetensors file, or tensors that cannot be written as one. */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
  readonly code: SafetensorsErrorCode;
  constructor(code: SafetensorsErrorCode, message: string) {
    super(`safetensors: ${message}`);
    this.code = code;
  }
}

/** The tensors and the `__metadata__` strings of a safetensors file. */
export interface SafetensorsContents {
  /** The tensors by name, in the order the header lists them. Each owns its data. */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` entry (an empty object when the file has none). */
  metadata: Record<string, string>;
}

/** Options of `decodeSafetensors`. */
export interface DecodeSafetensorsOptions {
  /** The largest header accepted, in bytes (default 100 MiB, as the reference implementation). */
  maxHeaderBytes?: number | undefined;
  /**
   * The most tensors accepted (default 1,048,576): a header of millions of empty tensors is
   * refused before any is built, so the work stays proportional to this cap.
   */
  maxTensors?: number | undefined;
}

const METADATA_KEY = '__metadata__';
const DEFAULT_MAX_HEADER = 100 * 1024 * 1024;
const DEFAULT_MAX_TENSORS = 2 ** 20;

const FORMAT_OF: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32' };
const DTYPE_OF: Readonly<Record<string, DType>> = { F32: 'float32', F64: 'float64', I32: 'int32' };
const BYTES_OF: Record<DType, number> = { float32: 4, float64: 8, int32: 4 };
/** dtypes of the format that Nabla cannot hold; named in the error instead of "unknown". */
const UNSUPPORTED = new Set([
  'BOOL',
  'U8',
  'I8',
  'U16',
  'I16',
  'F16',
  'BF16',
  'U32',
  'U64',
  'I64',
  'F8_E5M2',
  'F8_E4M3',
  'F8_E8M0',
  'F4',
  'F6_E2M3',
  'F6_E3M2',
  'C64',
]);

function hostIsLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

/**
 * Encodes tensors (and optional string metadata) as a safetensors file.
 *
 * Tensors are laid out by element size, largest first, then by name, so every tensor starts at a
 * multiple of its element size (the header is padded with spaces to a multiple of 8 bytes): a
 * reader can view the data in place. The output is the same for the same input, whatever the
 * order of the keys in `tensors`.
 *
 * @example
 * const bytes = encodeSafetensors({ '0.weight': w, '0.bias': b }, { epochs: '10' });
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, Tensor>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  return encodeWith(tensors, metadata, hostIsLittleEndian());
}

/** @internal `encodeSafetensors` with the host byte order given, so both paths can be tested. */
export function encodeWith(
  tensors: Readonly<Record<string, Tensor>>,
  metadata: Readonly<Record<string, string>> | undefined,
  littleEndianHost: boolean,
): Uint8Array {
  if (tensors === null || typeof tensors !== 'object') {
    throw new SafetensorsError(
      'bad-input',
      `expected an object of tensors, got ${String(tensors)}`,
    );
  }
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (name === METADATA_KEY) {
      throw new SafetensorsError(
        'bad-input',
        `"${METADATA_KEY}" is reserved and cannot name a tensor`,
      );
    }
    if (!isTensor(t)) {
      throw new SafetensorsError('bad-input', `"${name}" is not a Tensor`);
    }
    if (!(t.dtype in FORMAT_OF)) {
      throw new SafetensorsError(
        'bad-dtype',
        `tensor "${name}" has unsupported dtype ${String(t.dtype)}`,
      );
    }
  }
  entries.sort(([na, a], [nb, b]) => {
    const bySize = BYTES_OF[b.dtype] - BYTES_OF[a.dtype];
    if (bySize !== 0) return bySize;
    return na < nb ? -1 : na > nb ? 1 : 0;
  });

  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object') {
      throw new SafetensorsError('bad-metadata', 'metadata must be an object of strings');
    }
    const meta: Record<string, string> = {};
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') {
        throw new SafetensorsError(
          'bad-metadata',
          `metadata "${k}" is a ${typeof v}; safetensors metadata values must be strings`,
        );
      }
      Object.defineProperty(meta, k, {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    header[METADATA_KEY] = meta;
  }
  let offset = 0;
  for (const [name, t] of entries) {
    const end = offset + t.size * BYTES_OF[t.dtype];
    const entry = { dtype: FORMAT_OF[t.dtype], shape: [...t.shape], data_offsets: [offset, end] };
    Object.defineProperty(header, name, {
      value: entry,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    offset = end;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength >>> 0, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);

  let at = 8 + headerLength;
  for (const [, t] of entries) {
    if (littleEndianHost) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    } else {
      writeLittleEndian(view, at, t);
    }
    at += t.data.byteLength;
  }
  return out;
}

function writeLittleEndian(view: DataView, at: number, t: Tensor): void {
  const d = t.data;
  switch (t.dtype) {
    case 'float32':
      for (let i = 0; i < d.length; i++) view.setFloat32(at + 4 * i, d[i] as number, true);
      return;
    case 'float64':
      for (let i = 0; i < d.length; i++) view.setFloat64(at + 8 * i, d[i] as number, true);
      return;
    case 'int32':
      for (let i = 0; i < d.length; i++) view.setInt32(at + 4 * i, d[i] as number, true);
      return;
  }
}

/**
 * Decodes a safetensors file. Every number in the header is checked before it is used: the header
 * length against the file, each tensor's dtype, shape and byte range, and the ranges against each
 * other (they must cover the data exactly). Anything wrong is a `SafetensorsError` naming the
 * tensor, the value and the limit it broke; it never reads out of bounds.
 *
 * @example
 * const { tensors, metadata } = decodeSafetensors(bytes);
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  options: DecodeSafetensorsOptions = {},
): SafetensorsContents {
  return decodeWith(bytes, options, hostIsLittleEndian());
}

interface RawEntry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/** @internal `decodeSafetensors` with the host byte order given, so both paths can be tested. */
export function decodeWith(
  bytes: Uint8Array,
  options: DecodeSafetensorsOptions,
  littleEndianHost: boolean,
): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) {
    throw new SafetensorsError(
      'bad-input',
      `expected the file's bytes as a Uint8Array, got ${Object.prototype.toString.call(bytes)}`,
    );
  }
  const maxHeader = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER;
  const maxTensors = options.maxTensors ?? DEFAULT_MAX_TENSORS;
  if (bytes.length < 8) {
    throw new SafetensorsError(
      'truncated',
      `truncated file: ${bytes.length} bytes, shorter than the 8-byte header length`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLength > maxHeader) {
    throw new SafetensorsError(
      'header-too-large',
      `header length ${headerLength} is over the limit of ${maxHeader} bytes`,
    );
  }
  if (8 + headerLength > bytes.length) {
    throw new SafetensorsError(
      'truncated',
      `truncated file: the header length is ${headerLength} bytes but only ${bytes.length - 8} bytes follow it`,
    );
  }
  if (headerLength < 2 || bytes[8] !== 0x7b) {
    throw new SafetensorsError(
      'bad-header',
      'the header does not start with "{" (not a safetensors file?)',
    );
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    throw new SafetensorsError('bad-header', 'the header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(
      'bad-header',
      `the header is not valid JSON (${clipText(e instanceof Error ? e.message : String(e))})`,
    );
  }
  if (!isPlainObject(parsed)) {
    throw new SafetensorsError('bad-header', 'the header is not a JSON object');
  }

  const metadata: Record<string, string> = {};
  const raw: RawEntry[] = [];
  const entries = Object.entries(parsed);
  const count = entries.length - (Object.hasOwn(parsed, METADATA_KEY) ? 1 : 0);
  if (count > maxTensors) {
    throw new SafetensorsError(
      'bad-header',
      `the header lists ${count} tensors, over the limit of ${maxTensors} (maxTensors)`,
    );
  }
  for (const [name, value] of entries) {
    if (name === METADATA_KEY) {
      if (!isPlainObject(value)) {
        throw new SafetensorsError(
          'bad-metadata',
          `"${METADATA_KEY}" must be an object of strings`,
        );
      }
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') {
          throw new SafetensorsError(
            'bad-metadata',
            `metadata ${clip(k)} is ${show(v)}; metadata values must be strings`,
          );
        }
        Object.defineProperty(metadata, k, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      continue;
    }
    raw.push(parseEntry(name, value));
  }

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  checkLayout(raw, dataLength);

  const tensors: Record<string, Tensor> = {};
  for (const e of raw) {
    const t = readTensor(bytes, view, dataStart, e, littleEndianHost);
    Object.defineProperty(tensors, e.name, {
      value: t,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { tensors, metadata };
}

function parseEntry(name: string, value: unknown): RawEntry {
  if (!isPlainObject(value)) {
    throw new SafetensorsError(
      'bad-entry',
      `tensor ${clip(name)}: expected an object, got ${show(value)}`,
    );
  }
  const { dtype: format, shape, data_offsets: offsets } = value;
  if (typeof format !== 'string') {
    throw new SafetensorsError(
      'bad-entry',
      `tensor ${clip(name)}: "dtype" is missing or not a string`,
    );
  }
  const dtype = Object.hasOwn(DTYPE_OF, format) ? DTYPE_OF[format] : undefined;
  if (dtype === undefined) {
    throw new SafetensorsError(
      'bad-dtype',
      UNSUPPORTED.has(format)
        ? `tensor ${clip(name)} has dtype ${format}, which Nabla does not support (supported: F32, F64, I32)`
        : `tensor ${clip(name)} has unknown dtype ${show(format)} (supported: F32, F64, I32)`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    throw new SafetensorsError(
      'bad-shape',
      `tensor ${clip(name)}: shape ${show(shape)} is not an array of non-negative integers`,
    );
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !isIndex(offsets[0]) ||
    !isIndex(offsets[1])
  ) {
    throw new SafetensorsError(
      'bad-offsets',
      `tensor ${clip(name)}: data_offsets ${show(offsets)} is not a pair of non-negative integers`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) {
    throw new SafetensorsError(
      'bad-offsets',
      `tensor ${clip(name)}: data_offsets [${begin}, ${end}] end before they begin`,
    );
  }
  let bytesNeeded = BYTES_OF[dtype];
  for (const d of shape as number[]) bytesNeeded *= d;
  if (!Number.isSafeInteger(bytesNeeded) || bytesNeeded !== end - begin) {
    throw new SafetensorsError(
      'bad-shape',
      `tensor ${clip(name)}: shape ${clipText(formatShape(shape as number[]))} of ${format} needs ${bytesNeeded} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** The ranges must tile [0, dataLength) exactly: start at 0, no gap, no overlap, no tail. */
function checkLayout(raw: readonly RawEntry[], dataLength: number): void {
  const sorted = [...raw].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  let previous: RawEntry | undefined;
  for (const e of sorted) {
    if (e.end > dataLength) {
      throw new SafetensorsError(
        'bad-offsets',
        `tensor ${clip(e.name)}: data_offsets [${e.begin}, ${e.end}] go beyond the ${dataLength} data bytes of the file (truncated?)`,
      );
    }
    if (e.begin < expected) {
      throw new SafetensorsError(
        'bad-offsets',
        `tensor ${clip(e.name)}: data_offsets [${e.begin}, ${e.end}] overlap tensor ${clip(previous?.name ?? '')} which ends at ${expected}`,
      );
    }
    if (e.begin > expected) {
      throw new SafetensorsError(
        'bad-offsets',
        `tensor ${clip(e.name)}: data_offsets [${e.begin}, ${e.end}] leave a gap: bytes ${expected} to ${e.begin} belong to no tensor`,
      );
    }
    expected = e.end;
    previous = e;
  }
  if (expected !== dataLength) {
    throw new SafetensorsError(
      'bad-offsets',
      `the tensors cover ${expected} data bytes but ${dataLength} follow the header: bytes ${expected} to ${dataLength} belong to no tensor`,
    );
  }
}

function readTensor(
  bytes: Uint8Array,
  view: DataView,
  dataStart: number,
  e: RawEntry,
  littleEndianHost: boolean,
): Tensor {
  const at = dataStart + e.begin;
  const n = (e.end - e.begin) / BYTES_OF[e.dtype];
  if (littleEndianHost) {
    // A copy into a fresh buffer is aligned whatever `at` is (and never aliases a Node Buffer pool).
    const copy = new Uint8Array(e.end - e.begin);
    copy.set(bytes.subarray(at, dataStart + e.end));
    return new Tensor(e.dtype, typedArray(e.dtype, copy.buffer, n), e.shape);
  }
  switch (e.dtype) {
    case 'float32': {
      const d = new Float32Array(n);
      for (let i = 0; i < n; i++) d[i] = view.getFloat32(at + 4 * i, true);
      return new Tensor('float32', d, e.shape);
    }
    case 'float64': {
      const d = new Float64Array(n);
      for (let i = 0; i < n; i++) d[i] = view.getFloat64(at + 8 * i, true);
      return new Tensor('float64', d, e.shape);
    }
    case 'int32': {
      const d = new Int32Array(n);
      for (let i = 0; i < n; i++) d[i] = view.getInt32(at + 4 * i, true);
      return new Tensor('int32', d, e.shape);
    }
  }
}

function typedArray<D extends DType>(dtype: D, buffer: ArrayBuffer, n: number): TypedArrayFor<D> {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, 0, n) as TypedArrayFor<D>;
    case 'float64':
      return new Float64Array(buffer, 0, n) as TypedArrayFor<D>;
    default:
      return new Int32Array(buffer, 0, n) as TypedArrayFor<D>;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** The longest name or value quoted in an error message: messages stay one readable line. */
const MAX_SHOWN = 120;

function clipText(text: string): string {
  return text.length <= MAX_SHOWN
    ? text
    : `${text.slice(0, MAX_SHOWN)}… (${text.length} characters)`;
}

/** A tensor or metadata name, quoted and clipped for an error message. */
function clip(name: string): string {
  return clipText(JSON.stringify(name));
}

/** A JSON value from the header, clipped for an error message. */
function show(value: unknown): string {
  return clipText(JSON.stringify(value) ?? String(value));
}
