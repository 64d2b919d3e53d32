import { afterEach, describe, expect, it } from 'vitest';
import { fromTypedArray } from '../creation.js';
import { createEngine, type Engine, type EngineOptions } from '../engine/engine.js';
import { jsEpilogue } from '../kernels/js/epilogue.js';
import { EPILOGUE, type Epilogue, type GemmJob } from '../kernels/kernels.js';
import { probeWasm } from '../kernels/wasm/module.js';
import { createRng } from '../random.js';
import { ShapeError } from '../shape.js';
import { matmul } from './matmul.js';

const engines: Engine[] = [];
function engine(options: EngineOptions): Engine {
  const e = createEngine(options);
  engines.push(e);
  return e;
}
afterEach(() => {
  for (const e of engines.splice(0)) e.dispose();
});

const PATHS: [string, EngineOptions][] = [
  ['js', { backend: 'js' }],
  ['wasm-simd, one thread', { backend: 'wasm-simd', threads: 1 }],
  [
    'wasm-simd, split over two threads',
    { backend: 'wasm-simd', threads: 2, minThreadedFlops: 0, tuner: false },
  ],
  ...(probeWasm().relaxedSimd
    ? ([['wasm-relaxed-simd', { backend: 'wasm-relaxed-simd', threads: 1 }]] as [
        string,
        EngineOptions,
      ][])
    : []),
];

/** Values with exact zeros, negatives, and an occasional NaN, as a training step meets them. */
function values(n: number, seed: number, nan: boolean): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, (_, i) => {
    const r = rng.next();
    if (nan && i === 3) return Number.NaN;
    return r < 0.15 ? 0 : r < 0.2 ? -0 : Math.round((r * 2 - 1) * 64) / 16;
  });
}

function sameBits(x: Float32Array, y: Float32Array): string | undefined {
  for (let i = 0; i < x.length; i++) {
    if (!Object.is(x[i], y[i])) return `element ${i}: ${x[i]} vs ${y[i]}`;
  }
  return undefined;
}

describe.each(PATHS)('the product epilogues on %s', (_name, options) => {
  it.each([
    ['bias', EPILOGUE.bias],
    ['bias and ReLU', EPILOGUE.biasRelu],
    ['ReLU mask', EPILOGUE.reluMask],
  ] as [string, Epilogue][])(
    '%s equals the product followed by the reference epilogue, bit for bit',
    (_kind, kind) => {
      const e = engine(options);
      let seed = 1;
      for (const [m, n, k] of [
        [1, 1, 1],
        [3, 5, 7],
        [17, 33, 9],
        [64, 10, 256],
        [129, 70, 300],
        [4, 6, 0],
      ] as const) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            for (const accumulate of [false, true]) {
              seed++;
              const a = values(m * k, seed, false);
              const b = values(k * n, seed + 100, false);
              const c0 = values(m * n, seed + 200, false);
              // Small integers over 16: every product and sum is exact, so the bits compare.
              const operand =
                kind === EPILOGUE.reluMask
                  ? values(m * n, seed + 300, true)
                  : values(n, seed + 300, true);
              const job = (c: Float32Array, fused: boolean): GemmJob => ({
                a,
                b,
                c,
                m,
                n,
                k,
                transA,
                transB,
                accumulate,
                ...(fused ? { epilogue: kind, operand } : {}),
              });
              const fused = c0.slice();
              e.matmul(job(fused, true));
              const reference = c0.slice();
              e.matmul(job(reference, false));
              jsEpilogue(reference, m, n, kind, operand);
              const diff = sameBits(fused, reference);
              expect(
                diff,
                `m=${m} n=${n} k=${k} transA=${transA} transB=${transB} accumulate=${accumulate}`,
              ).toBeUndefined();
            }
          }
        }
      }
    },
    60_000,
  );
});

describe('the reference epilogue', () => {
  it('adds the bias, applies ReLU with −0 for negatives, and masks by the sign', () => {
    const c = Float32Array.of(1, -2, 0, -0, Number.NaN, 3);
    jsEpilogue(c, 2, 3, EPILOGUE.biasRelu, Float32Array.of(0.5, 1, 0));
    // Row 0: 1.5, −1 → −0, 0 → +0; row 1: −0 + 0.5 = 0.5, NaN stays, 3.
    expect([...c].map((v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual([
      '1.5',
      '-0',
      '0',
      '0.5',
      'NaN',
      '3',
    ]);
    const g = Float32Array.of(5, 6, 7, 8, 9, 10);
    jsEpilogue(g, 2, 3, EPILOGUE.reluMask, c);
    // The gradient passes where the ReLU input was ≥ 0 (+0 included), not where it was < 0 or NaN.
    expect([...g]).toEqual([5, 0, 7, 8, 0, 10]);
  });
});

describe('matmul with bias, relu and reluMask', () => {
  const x = fromTypedArray(Float32Array.of(1, -1, 2, 0), [2, 2]);
  const w = fromTypedArray(Float32Array.of(1, 2, 3, -4), [2, 2]);
  const bias = fromTypedArray(Float32Array.of(0.5, -10), [2]);

  it('computes ReLU(x·w + b) by hand', () => {
    // x·w = [[1−3, 2+4], [2, 4]] = [[−2, 6], [2, 4]]; + b = [[−1.5, −4], [2.5, −6]].
    const y = matmul(x, w, { bias, relu: true });
    expect([...y.data].map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(['-0', '-0', 2.5, '-0']);
    const g = matmul(
      fromTypedArray(Float32Array.of(1, 1, 1, 1), [2, 2]),
      fromTypedArray(Float32Array.of(1, 0, 0, 1), [2, 2]),
      { reluMask: y },
    );
    expect([...g.data]).toEqual([0, 0, 1, 0]);
  });

  it('names a wrong bias or mask, and a relu without bias', () => {
    expect(() => matmul(x, w, { bias: fromTypedArray(Float32Array.of(1, 2, 3), [3]) })).toThrow(
      ShapeError,
    );
    expect(() => matmul(x, w, { bias: fromTypedArray(Float32Array.of(1, 2, 3), [3]) })).toThrow(
      /bias is float32 \[3\], expected float32 \[2\]/,
    );
    expect(() => matmul(x, w, { relu: true })).toThrow(/relu needs a bias/);
    expect(() => matmul(x, w, { reluMask: bias })).toThrow(
      /reluMask is float32 \[2\], expected float32 \[2,2\]/,
    );
    expect(() => matmul(x, w, { reluMask: x, bias })).toThrow(/cannot be combined/);
    const out = fromTypedArray(new Float32Array(4), [2, 2]);
    expect(() => matmul(x, w, { out, reluMask: out })).toThrow(
      /must not overlap the bias or the ReLU mask/,
    );
  });
});
