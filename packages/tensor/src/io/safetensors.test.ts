import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromTypedArray, tensor } from '../creation.js';
import type { Tensor } from '../tensor.js';
import {
  decodeSafetensors,
  decodeWith,
  encodeSafetensors,
  encodeWith,
  SafetensorsError,
} from './safetensors.js';

/** A safetensors file built by hand from the spec: 8-byte LE length, the header text, the data. */
function file(
  header: string,
  data: number[] | Uint8Array = [],
  declaredLength?: number,
): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  const view = new DataView(out.buffer);
  const n = declaredLength ?? json.length;
  view.setUint32(0, n % 2 ** 32, true);
  view.setUint32(4, Math.floor(n / 2 ** 32), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function f32le(...values: number[]): number[] {
  const v = new DataView(new ArrayBuffer(4 * values.length));
  for (const [i, x] of values.entries()) v.setFloat32(4 * i, x, true);
  return [...new Uint8Array(v.buffer)];
}

function expectError(fn: () => unknown, code: string, message: string | RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(SafetensorsError);
  const err = caught as SafetensorsError;
  expect(err.name).toBe('SafetensorsError');
  expect(err.code).toBe(code);
  expect(err.message).toMatch(message);
}

function sameBits(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) return false;
  const x = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const y = new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

describe('encodeSafetensors: byte layout', () => {
  it('writes the length prefix, a space-padded JSON header and little-endian data, per the spec', () => {
    const bytes = encodeSafetensors({ a: tensor([1.5, -2]) });
    const header = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    expect(header.length).toBe(54); // padded to 56 so the data starts at byte 64
    const expected = [
      ...[56, 0, 0, 0, 0, 0, 0, 0],
      ...new TextEncoder().encode(header),
      0x20,
      0x20,
      ...[0x00, 0x00, 0xc0, 0x3f], // 1.5f = 0x3fc00000
      ...[0x00, 0x00, 0x00, 0xc0], // -2f = 0xc0000000
    ];
    expect([...bytes]).toEqual(expected);
  });

  it('puts __metadata__ first and lays tensors out by element size then name, each aligned', () => {
    const bytes = encodeSafetensors(
      {
        z: tensor([1, 2, 3], 'int32'),
        b: tensor([1, 2, 3]),
        a: tensor([0.5], 'float64'),
      },
      { note: 'hi' },
    );
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.trimEnd()).toBe(
      '{"__metadata__":{"note":"hi"},' +
        '"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},' +
        '"b":{"dtype":"F32","shape":[3],"data_offsets":[8,20]},' +
        '"z":{"dtype":"I32","shape":[3],"data_offsets":[20,32]}}',
    );
    expect(text.slice(text.trimEnd().length)).toMatch(/^ *$/);
    expect(bytes.length).toBe(8 + n + 32);
    // the int32 3 at data byte 28: 03 00 00 00
    expect([...bytes.subarray(8 + n + 28)]).toEqual([3, 0, 0, 0]);
  });

  it('gives the same bytes whatever order the keys come in', () => {
    const w = tensor([
      [1, 2],
      [3, 4],
    ]);
    const b = tensor([5, 6]);
    expect(encodeSafetensors({ w, b })).toEqual(encodeSafetensors({ b, w }));
  });

  it('writes only the viewed rows of a view', () => {
    const t = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const { tensors } = decodeSafetensors(encodeSafetensors({ v: t.rows(1, 3) }));
    expect(tensors.v?.toArray()).toEqual([
      [3, 4],
      [5, 6],
    ]);
  });
});

describe('decodeSafetensors', () => {
  it('round-trips float32, float64, int32, scalars, empty tensors and metadata, bit for bit', () => {
    const input: Record<string, Tensor> = {
      '0.weight': tensor([
        [1, -2.5, 3],
        [Number.NaN, Number.POSITIVE_INFINITY, -0],
      ]),
      '0.bias': tensor([1e-30, 3.4e38], 'float64'),
      labels: tensor([-2147483648, 0, 2147483647], 'int32'),
      scalar: tensor(7),
      empty: fromTypedArray(new Float32Array(0), [0, 5]),
    };
    const { tensors, metadata } = decodeSafetensors(
      encodeSafetensors(input, { config: '{"hidden":256}', seed: '1' }),
    );
    expect(metadata).toEqual({ config: '{"hidden":256}', seed: '1' });
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(input).sort());
    for (const [name, t] of Object.entries(input)) {
      expect(sameBits(tensors[name] as Tensor, t), name).toBe(true);
    }
    expect(tensors.scalar?.shape).toEqual([]);
    expect(tensors.empty?.shape).toEqual([0, 5]);
  });

  it('reads a file another writer produced: unpadded header, its own order, "format" metadata', () => {
    const header =
      '{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[1,2],"data_offsets":[4,12]},' +
      '"k":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}';
    const bytes = file(header, [9, 0, 0, 0, ...f32le(0.25, -4)]);
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect(Object.keys(tensors)).toEqual(['w', 'k']);
    expect(tensors.w?.toArray()).toEqual([[0.25, -4]]);
    expect(tensors.k?.dtype).toBe('int32');
    expect(tensors.k?.item()).toBe(9);
  });

  it('decodes from a Node Buffer that sits inside a shared pool', () => {
    const bytes = encodeSafetensors({ x: tensor([1, 2, 3]), y: tensor([4], 'float64') });
    const pooled = Buffer.from(bytes); // small Buffers share one pool, at a non-zero offset
    const { tensors } = decodeSafetensors(pooled);
    expect(tensors.x?.toArray()).toEqual([1, 2, 3]);
    expect(tensors.y?.toArray()).toEqual([4]);
  });

  it('returns tensors that own their data: later changes to the bytes do not reach them', () => {
    const bytes = encodeSafetensors({ x: tensor([1, 2, 3]) });
    const { tensors } = decodeSafetensors(bytes);
    bytes.fill(0xff, bytes.length - 12);
    expect(tensors.x?.toArray()).toEqual([1, 2, 3]);
  });

  it('keeps a tensor named __proto__ as data, not as a prototype', () => {
    const bytes = file('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f32le(2));
    const { tensors } = decodeSafetensors(bytes);
    expect(Object.keys(tensors)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
  });

  it('writes and reads the same bytes on a big-endian host (DataView path)', () => {
    const input = {
      a: tensor([
        [1.25, -3],
        [Number.NaN, 1e-40],
      ]),
      b: tensor([Math.PI, -Math.E], 'float64'),
      c: tensor([-1, 65536], 'int32'),
    };
    const le = encodeWith(input, { k: 'v' }, true);
    const be = encodeWith(input, { k: 'v' }, false);
    expect(be).toEqual(le);
    const fromBe = decodeWith(le, {}, false);
    const fromLe = decodeWith(le, {}, true);
    for (const name of ['a', 'b', 'c']) {
      expect(fromBe.tensors[name]?.toArray()).toEqual(fromLe.tensors[name]?.toArray());
    }
    expect(fromBe.tensors.b?.toArray()).toEqual([Math.PI, -Math.E]);
  });
});

describe('decodeSafetensors: malformed files', () => {
  const ok = '{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
  const entry = (body: string): Uint8Array => file(`{"x":${body}}`, f32le(1, 2));

  it('rejects a file shorter than the length prefix', () => {
    expectError(
      () => decodeSafetensors(new Uint8Array(5)),
      'truncated',
      /5 bytes, shorter than the 8-byte/,
    );
  });
  it('rejects a header length beyond the end of the file', () => {
    expectError(
      () => decodeSafetensors(file(ok, f32le(1, 2), 200)),
      'truncated',
      /header length is 200 bytes but only 62 bytes follow/,
    );
  });
  it('rejects a header length over the limit, including one using the high 32 bits', () => {
    expectError(
      () => decodeSafetensors(file(ok, [], 2 ** 40)),
      'header-too-large',
      /header length 1099511627776 is over the limit of 104857600/,
    );
    expectError(
      () => decodeSafetensors(file(ok, f32le(1, 2)), { maxHeaderBytes: 16 }),
      'header-too-large',
      /limit of 16 bytes/,
    );
  });
  it('rejects a header that does not start with {', () => {
    expectError(
      () => decodeSafetensors(file(` ${ok}`, f32le(1, 2))),
      'bad-header',
      /does not start with "\{"/,
    );
    expectError(() => decodeSafetensors(file('', [])), 'bad-header', /does not start/);
  });
  it('rejects a header that is not UTF-8', () => {
    const bytes = file(ok, f32le(1, 2));
    bytes[12] = 0xff;
    expectError(() => decodeSafetensors(bytes), 'bad-header', /not valid UTF-8/);
  });
  it('rejects bad JSON and JSON that is not an object', () => {
    expectError(() => decodeSafetensors(file('{"x":', [])), 'bad-header', /not valid JSON/);
    expectError(() => decodeSafetensors(file('{} {}', [])), 'bad-header', /not valid JSON/);
  });
  it('rejects metadata that is not an object of strings', () => {
    expectError(
      () => decodeSafetensors(file('{"__metadata__":{"epochs":10}}')),
      'bad-metadata',
      /metadata "epochs" is 10; metadata values must be strings/,
    );
    expectError(
      () => decodeSafetensors(file('{"__metadata__":["a"]}')),
      'bad-metadata',
      /must be an object of strings/,
    );
  });
  it('rejects an entry that is not an object or has no dtype', () => {
    expectError(
      () => decodeSafetensors(file('{"x":[1,2]}')),
      'bad-entry',
      /tensor "x": expected an object/,
    );
    expectError(
      () => decodeSafetensors(entry('{"shape":[2],"data_offsets":[0,8]}')),
      'bad-entry',
      /"dtype" is missing/,
    );
  });
  it('names a dtype of the format that Nabla cannot hold, and an unknown one', () => {
    expectError(
      () => decodeSafetensors(entry('{"dtype":"F16","shape":[4],"data_offsets":[0,8]}')),
      'bad-dtype',
      /tensor "x" has dtype F16, which Nabla does not support \(supported: F32, F64, I32\)/,
    );
    expectError(
      () => decodeSafetensors(entry('{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}')),
      'bad-dtype',
      /unknown dtype "Q7"/,
    );
    expectError(
      () => decodeSafetensors(entry('{"dtype":"toString","shape":[2],"data_offsets":[0,8]}')),
      'bad-dtype',
      /unknown dtype "toString"/,
    );
  });
  it('rejects shapes that are not lists of non-negative integers', () => {
    for (const shape of ['[-2]', '[2.5]', '"2"', '[2,null]', '[1e300]']) {
      expectError(
        () => decodeSafetensors(entry(`{"dtype":"F32","shape":${shape},"data_offsets":[0,8]}`)),
        'bad-shape',
        /tensor "x": shape .* is not an array of non-negative integers/,
      );
    }
  });
  it('rejects a shape whose size does not match its byte range, or overflows', () => {
    expectError(
      () => decodeSafetensors(entry('{"dtype":"F32","shape":[3],"data_offsets":[0,8]}')),
      'bad-shape',
      /shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] hold 8/,
    );
    expectError(
      () =>
        decodeSafetensors(
          entry('{"dtype":"F64","shape":[1073741824,1073741824,1073741824],"data_offsets":[0,8]}'),
        ),
      'bad-shape',
      /needs .* bytes/,
    );
  });
  it('rejects data_offsets that are not a non-negative pair or run backwards', () => {
    for (const offs of ['[0]', '[0,8,9]', '[-1,7]', '"0-8"', '[0,8.5]']) {
      expectError(
        () => decodeSafetensors(entry(`{"dtype":"F32","shape":[2],"data_offsets":${offs}}`)),
        'bad-offsets',
        /data_offsets .* is not a pair of non-negative integers/,
      );
    }
    expectError(
      () => decodeSafetensors(entry('{"dtype":"F32","shape":[0],"data_offsets":[8,0]}')),
      'bad-offsets',
      /\[8, 0\] end before they begin/,
    );
  });
  it('rejects offsets beyond the data (a truncated file)', () => {
    const whole = file(ok, f32le(1, 2));
    expectError(
      () => decodeSafetensors(whole.subarray(0, whole.length - 3)),
      'bad-offsets',
      /data_offsets \[0, 8\] go beyond the 5 data bytes of the file \(truncated\?\)/,
    );
  });
  it('rejects overlapping ranges, gaps and bytes that belong to no tensor', () => {
    const two = (a: string, b: string, data: number[]): Uint8Array =>
      file(
        `{"a":{"dtype":"F32","shape":[1],"data_offsets":${a}},"b":{"dtype":"F32","shape":[1],"data_offsets":${b}}}`,
        data,
      );
    expectError(
      () => decodeSafetensors(two('[0,4]', '[0,4]', f32le(1))),
      'bad-offsets',
      /tensor "b": data_offsets \[0, 4\] overlap tensor "a" which ends at 4/,
    );
    expectError(
      () => decodeSafetensors(two('[0,4]', '[8,12]', f32le(1, 2, 3))),
      'bad-offsets',
      /leave a gap: bytes 4 to 8 belong to no tensor/,
    );
    expectError(
      () => decodeSafetensors(two('[4,8]', '[8,12]', f32le(1, 2, 3))),
      'bad-offsets',
      /tensor "a": .* leave a gap: bytes 0 to 4/,
    );
    expectError(
      () => decodeSafetensors(two('[0,4]', '[4,8]', f32le(1, 2, 3))),
      'bad-offsets',
      /cover 8 data bytes but 12 follow the header: bytes 8 to 12 belong to no tensor/,
    );
  });
  it('rejects input that is not a Uint8Array', () => {
    expectError(
      () => decodeSafetensors(new ArrayBuffer(16) as unknown as Uint8Array),
      'bad-input',
      /expected the file's bytes as a Uint8Array, got \[object ArrayBuffer\]/,
    );
  });
});

describe('decodeSafetensors: bounded work and messages', () => {
  it('refuses more tensors than maxTensors before building any', () => {
    const entries = Array.from(
      { length: 11 },
      (_, i) => `"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`,
    );
    const bytes = file(`{${entries.join(',')}}`);
    expect(Object.keys(decodeSafetensors(bytes).tensors)).toHaveLength(11);
    expectError(
      () => decodeSafetensors(bytes, { maxTensors: 10 }),
      'bad-header',
      'safetensors: the header lists 11 tensors, over the limit of 10 (maxTensors)',
    );
  });

  it('clips a huge tensor name or value in the error message', () => {
    const name = 'x'.repeat(1_000_000);
    for (const header of [
      `{"${name}":{"dtype":"F99","shape":[],"data_offsets":[0,0]}}`,
      `{"a":{"dtype":"${name}","shape":[],"data_offsets":[0,0]}}`,
      `{"a":{"dtype":"F32","shape":[${'1,'.repeat(100_000)}1],"data_offsets":[0,1]}}`,
    ]) {
      let message = '';
      try {
        decodeSafetensors(file(header));
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/^safetensors: tensor /);
      expect(message.length).toBeLessThan(400);
    }
  });
});

describe('encodeSafetensors: bad input', () => {
  it('refuses a tensor named __metadata__, a non-tensor and non-string metadata', () => {
    expectError(
      () => encodeSafetensors({ __metadata__: tensor([1]) }),
      'bad-input',
      /"__metadata__" is reserved/,
    );
    expectError(
      () => encodeSafetensors({ w: [1, 2] as unknown as Tensor }),
      'bad-input',
      /"w" is not a Tensor/,
    );
    expectError(
      () => encodeSafetensors({}, { epochs: 3 as unknown as string }),
      'bad-metadata',
      /metadata "epochs" is a number/,
    );
  });
});

describe('safetensors: properties', () => {
  const dtypeArb = fc.constantFrom('float32' as const, 'float64' as const, 'int32' as const);
  const tensorArb = fc
    .tuple(dtypeArb, fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }))
    .chain(([dtype, shape]) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const values =
        dtype === 'int32'
          ? fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), {
              minLength: size,
              maxLength: size,
            })
          : fc.array(fc.double({ noNaN: true }), { minLength: size, maxLength: size });
      return values.map((v) => {
        const data =
          dtype === 'int32'
            ? Int32Array.from(v)
            : dtype === 'float64'
              ? Float64Array.from(v)
              : Float32Array.from(v);
        return fromTypedArray(data as Float32Array, shape) as Tensor;
      });
    });
  const filesArb = fc.dictionary(
    fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s !== '__metadata__'),
    tensorArb,
    { maxKeys: 5 },
  );
  const metaArb = fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 10 }), {
    maxKeys: 3,
  });

  it('decode(encode(x)) gives back every tensor bit for bit and the metadata', () => {
    fc.assert(
      fc.property(filesArb, metaArb, (tensors, metadata) => {
        const out = decodeSafetensors(encodeSafetensors(tensors, metadata));
        expect(out.metadata).toEqual({ ...metadata });
        expect(Object.keys(out.tensors).sort()).toEqual(Object.keys(tensors).sort());
        for (const [name, t] of Object.entries(tensors)) {
          expect(sameBits(out.tensors[name] as Tensor, t)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('mutated bytes either decode or throw a SafetensorsError, never anything else', () => {
    const base = encodeSafetensors(
      {
        w: tensor([
          [1, 2],
          [3, 4],
        ]),
        b: tensor([5, 6], 'float64'),
        n: tensor([7], 'int32'),
      },
      { k: 'v' },
    );
    const mutation = fc.array(
      fc.record({ at: fc.nat({ max: base.length - 1 }), value: fc.integer({ min: 0, max: 255 }) }),
      { minLength: 1, maxLength: 6 },
    );
    fc.assert(
      fc.property(mutation, fc.nat({ max: base.length }), (changes, cut) => {
        const bytes = base.slice(0, Math.max(cut, base.length - 4 * changes.length));
        for (const { at, value } of changes) if (at < bytes.length) bytes[at] = value;
        try {
          const { tensors } = decodeSafetensors(bytes);
          for (const t of Object.values(tensors)) expect(t.data.length).toBe(t.size);
        } catch (e) {
          expect(e).toBeInstanceOf(SafetensorsError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('every truncation of a valid file is a SafetensorsError', () => {
    const base = encodeSafetensors({
      w: tensor([
        [1, 2],
        [3, 4],
      ]),
      n: tensor([7], 'int32'),
    });
    for (let len = 0; len < base.length; len++) {
      expect(() => decodeSafetensors(base.subarray(0, len)), `length ${len}`).toThrow(
        SafetensorsError,
      );
    }
  });

  /** The header object of an encoded file, and its data bytes. */
  const split = (bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } => {
    const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    return { header, data: bytes.subarray(8 + n) };
  };
  /** A file of `header` (padded with spaces to a multiple of 8, as the encoder does) and `data`. */
  const join = (header: unknown, data: Uint8Array): Uint8Array => {
    let text = JSON.stringify(header);
    text += ' '.repeat((8 - (text.length % 8)) % 8);
    return file(text, data);
  };
  const nonEmptyArb = fc.dictionary(
    fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s !== '__metadata__'),
    tensorArb.filter((t) => t.size > 0),
    { minKeys: 1, maxKeys: 5 },
  );

  it('every data_offsets bound nudged by ±1, or a range shifted by ±1, is refused', () => {
    // A shifted range keeps its size, so only the layout check (overlap, gap, past the end) can
    // catch it: an off-by-one there (`<=` for `<`) lets one of these through.
    fc.assert(
      fc.property(
        nonEmptyArb,
        fc.nat(),
        fc.constantFrom(-1, 1),
        fc.constantFrom('begin', 'end', 'both'),
        (tensors, pick, delta, which) => {
          const { header, data } = split(encodeSafetensors(tensors));
          expect(() => decodeSafetensors(join(header, data))).not.toThrow();
          const names = Object.keys(header).filter((k) => k !== '__metadata__');
          const name = names[pick % names.length] as string;
          const entry = header[name] as { data_offsets: [number, number] };
          const [b, e] = entry.data_offsets;
          entry.data_offsets =
            which === 'begin'
              ? [b + delta, e]
              : which === 'end'
                ? [b, e + delta]
                : [b + delta, e + delta];
          let caught: unknown;
          try {
            decodeSafetensors(join(header, data));
          } catch (err) {
            caught = err;
          }
          expect(caught).toBeInstanceOf(SafetensorsError);
          expect(['bad-offsets', 'bad-shape']).toContain((caught as SafetensorsError).code);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the header is padded with spaces to a multiple of 8 bytes, so every tensor is aligned', () => {
    fc.assert(
      fc.property(filesArb, metaArb, (tensors, metadata) => {
        const bytes = encodeSafetensors(tensors, metadata);
        const view = new DataView(bytes.buffer, bytes.byteOffset);
        const n = view.getUint32(0, true);
        expect(view.getUint32(4, true)).toBe(0);
        expect(n % 8).toBe(0);
        const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
        const trimmed = text.trimEnd();
        expect(trimmed.endsWith('}')).toBe(true);
        expect(text.slice(trimmed.length)).toMatch(/^ *$/);
        // Padding only: fewer than 8 spaces.
        expect(n - new TextEncoder().encode(trimmed).length).toBeLessThan(8);
        const { header } = split(bytes);
        for (const [name, entry] of Object.entries(header)) {
          if (name === '__metadata__') continue;
          const { dtype, data_offsets } = entry as { dtype: string; data_offsets: number[] };
          const size = dtype === 'F64' ? 8 : 4;
          expect((8 + n + (data_offsets[0] as number)) % size).toBe(0);
        }
      }),
      { numRuns: 200 },
    );
  });
});
