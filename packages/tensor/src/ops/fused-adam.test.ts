import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { MIN_WASM_UPDATE_LENGTH as MIN_WASM_ADAM_LENGTH } from '../engine/engine.js';
import { setBackend } from '../engine/registry.js';
import { jsAdam } from '../kernels/js/adam.js';
import type { AdamCoefficients } from '../kernels/kernels.js';
import { WasmKernels } from '../kernels/wasm/kernels.js';
import { probeWasm } from '../kernels/wasm/module.js';
import { createRng } from '../random.js';
import { fusedAdamUpdate } from './fused-adam.js';

if (!probeWasm().relaxedSimd) setFlagsFromString('--experimental-wasm-relaxed-simd');
const support = probeWasm();

interface State {
  value: Float64Array;
  grad: Float64Array;
  m: Float64Array;
  v: Float64Array;
  vMax: Float64Array | undefined;
}

function randomState(n: number, seed: number, amsgrad: boolean): State {
  const rng = createRng(seed);
  const arr = (scale: number, positive = false) =>
    Float64Array.from({ length: n }, () => {
      const x = Math.fround((rng.next() * 2 - 1) * scale);
      return positive ? Math.abs(x) : x;
    });
  return {
    value: arr(1),
    grad: arr(0.1),
    m: arr(0.01),
    v: arr(1e-3, true),
    vMax: amsgrad ? arr(1e-3, true) : undefined,
  };
}

const f32 = (s: State) => ({
  value: Float32Array.from(s.value),
  grad: Float32Array.from(s.grad),
  m: Float32Array.from(s.m),
  v: Float32Array.from(s.v),
  vMax: s.vMax === undefined ? undefined : Float32Array.from(s.vMax),
});

function coefficients(t: number, decay: 'none' | 'l2' | 'decoupled'): AdamCoefficients {
  const lr = 1e-3;
  const beta1 = 0.9;
  const beta2 = 0.999;
  return {
    stepSize: lr / (1 - beta1 ** t),
    beta1,
    beta2,
    bc2Sqrt: Math.sqrt(1 - beta2 ** t),
    eps: 1e-8,
    l2: decay === 'l2' ? 0.01 : 0,
    shrink: decay === 'decoupled' ? 1 - lr * 0.01 : 1,
  };
}

/** |got − want| ≤ rtol·|want| + atol, element by element, with the index of the first miss. */
function expectClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  what: string,
  rtol: number,
  atol: number,
) {
  for (let i = 0; i < want.length; i++) {
    const g = got[i] as number;
    const w = want[i] as number;
    if (!(Math.abs(g - w) <= rtol * Math.abs(w) + atol)) {
      throw new Error(`${what}[${i}] = ${g}, expected ${w}`);
    }
  }
}

const wasmPaths: Array<[string, boolean, () => WasmKernels]> = [
  ['wasm-simd', support.simd, () => new WasmKernels('simd')],
  ['wasm-relaxed-simd', support.relaxedSimd, () => new WasmKernels('relaxed-simd')],
];

describe.each(wasmPaths)('the %s Adam kernel', (_name, available, make) => {
  it.skipIf(!available)('agrees with the JS loop over several steps, every variant', () => {
    const kern = make();
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 10, max: 700 })),
        fc.boolean(),
        fc.constantFrom('none', 'l2', 'decoupled'),
        fc.integer({ min: 0, max: 1e6 }),
        (n, amsgrad, decay, seed) => {
          // The reference is the JS loop on float32 arrays (float64 arithmetic per element,
          // float32 storage), as the JS backend runs it.
          const ref = f32(randomState(n, seed, amsgrad));
          const got = f32(randomState(n, seed, amsgrad));
          for (let t = 1; t <= 3; t++) {
            const c = coefficients(t, decay as 'none' | 'l2' | 'decoupled');
            jsAdam(ref.value, ref.grad, ref.m, ref.v, ref.vMax, c);
            expect(kern.adam(got.value, got.grad, got.m, got.v, got.vMax, c)).toBe(true);
          }
          // float32 arithmetic: a few ulps of the largest term (|m|, |g| ≤ 0.1; v ≤ 1e-3; θ ≤ 1).
          expectClose(got.m, ref.m, 'm', 1e-6, 1e-8);
          expectClose(got.v, ref.v, 'v', 1e-6, 1e-10);
          if (ref.vMax && got.vMax) expectClose(got.vMax, ref.vMax, 'vMax', 1e-6, 1e-10);
          expectClose(got.value, ref.value, 'value', 1e-6, 3e-7);
          expect(got.grad).toEqual(ref.grad);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('fusedAdamUpdate', () => {
  afterEach(() => setBackend('auto'));

  it('runs the JS loop for float64 (bit-identical to it) and for short float32 arrays', () => {
    setBackend('wasm-simd');
    const a = randomState(1000, 1, true);
    const b = randomState(1000, 1, true);
    const c = coefficients(2, 'l2');
    fusedAdamUpdate(a.value, a.grad, a.m, a.v, a.vMax, c);
    jsAdam(b.value, b.grad, b.m, b.v, b.vMax, c);
    expect(a).toEqual(b);
    const short = f32(randomState(MIN_WASM_ADAM_LENGTH - 1, 2, false));
    const shortRef = f32(randomState(MIN_WASM_ADAM_LENGTH - 1, 2, false));
    fusedAdamUpdate(short.value, short.grad, short.m, short.v, undefined, c);
    jsAdam(shortRef.value, shortRef.grad, shortRef.m, shortRef.v, undefined, c);
    expect(short).toEqual(shortRef);
  });

  it('uses the wasm kernel for long float32 arrays on a wasm backend, within rounding of JS', () => {
    const ref = randomState(5000, 3, false);
    const viaJs = f32(ref);
    const viaWasm = f32(ref);
    const c = coefficients(1, 'decoupled');
    setBackend('js');
    fusedAdamUpdate(viaJs.value, viaJs.grad, viaJs.m, viaJs.v, undefined, c);
    setBackend('wasm-simd');
    fusedAdamUpdate(viaWasm.value, viaWasm.grad, viaWasm.m, viaWasm.v, undefined, c);
    expectClose(viaWasm.value, viaJs.value, 'value', 1e-6, 3e-7);
    expectClose(viaWasm.m, viaJs.m, 'm', 1e-6, 1e-8);
    expectClose(viaWasm.v, viaJs.v, 'v', 1e-6, 1e-10);
    // float32 arithmetic in wasm vs float64 per element in JS: some elements differ in the last
    // bits, which shows that the wasm kernel (not the JS loop) ran.
    expect(viaWasm.v.some((x, i) => x !== viaJs.v[i])).toBe(true);
  });

  it('names what is wrong with its arguments', () => {
    const s = f32(randomState(4, 4, false));
    const c = coefficients(1, 'none');
    expect(() => fusedAdamUpdate(s.value, new Float32Array(3), s.m, s.v, undefined, c)).toThrow(
      'fusedAdamUpdate: grad has 3 elements, value has 4',
    );
    expect(() => fusedAdamUpdate(s.value, s.grad, new Float64Array(4), s.v, undefined, c)).toThrow(
      'fusedAdamUpdate: m is a Float64Array, value is a Float32Array',
    );
    expect(() => fusedAdamUpdate(s.value, s.grad, s.m, s.v, new Float32Array(5), c)).toThrow(
      'fusedAdamUpdate: vMax has 5 elements, value has 4',
    );
    expect(() =>
      fusedAdamUpdate(s.value, s.grad, s.m, s.v, undefined, { ...c, stepSize: Number.NaN }),
    ).toThrow('fusedAdamUpdate: coefficient stepSize is NaN, expected a finite number');
  });
});

describe('Adam moments below the smallest normal float32', () => {
  const TINY = 2 ** -126;
  /** A state whose moments decay into subnormals: zero gradients, m and v just above 2^-126. */
  function decaying(n: number) {
    const value = Float32Array.from({ length: n }, (_, i) => 0.01 * ((i % 7) - 3));
    const grad = new Float32Array(n);
    // Normal now, under 2^-126 after one step (β1·1.1 < 1, β2·1.0005 < 1).
    const m = Float32Array.from(
      { length: n },
      (_, i) => (i % 2 ? 1 : -1) * TINY * (1 + (0.1 * i) / n),
    );
    const v = Float32Array.from({ length: n }, (_, i) => TINY * (1 + (0.0005 * i) / n));
    // One live element and one NaN gradient: neither may be hidden by the flush.
    grad[1] = 0.05;
    grad[2] = Number.NaN;
    return { value, grad, m, v };
  }
  const subnormals = (x: Float32Array): number[] =>
    [...x.keys()].filter((i) => x[i] !== 0 && Math.abs(x[i] as number) < TINY);

  const paths: Array<[string, boolean, () => WasmKernels | undefined]> = [
    ['js', true, () => undefined],
    ['wasm-simd', support.simd, () => new WasmKernels('simd')],
    ['wasm-relaxed-simd', support.relaxedSimd, () => new WasmKernels('relaxed-simd')],
  ];
  it.each(paths)(
    'are stored as 0 on %s, θ moves as the formula says, and NaN stays visible',
    (_name, available, make) => {
      if (!available) return;
      const kern = make();
      const n = 1000;
      const s = decaying(n);
      const before = s.value.slice();
      const c = coefficients(50, 'none');
      for (let t = 0; t < 3; t++) {
        if (kern === undefined) jsAdam(s.value, s.grad, s.m, s.v, undefined, c);
        else expect(kern.adam(s.value, s.grad, s.m, s.v, undefined, c)).toBe(true);
        expect([subnormals(s.m), subnormals(s.v)]).toEqual([[], []]);
      }
      // β1·m and β2·v of the first step fell under 2^-126 everywhere but at the live element.
      const live = [1, 2];
      expect([...s.m.keys()].filter((i) => s.m[i] !== 0)).toEqual(live);
      expect([...s.v.keys()].filter((i) => s.v[i] !== 0)).toEqual(live);
      expect(s.m[1]).toBeGreaterThan(0);
      expect([Number.isNaN(s.m[2] as number), Number.isNaN(s.v[2] as number)]).toEqual([
        true,
        true,
      ]);
      expect(Number.isNaN(s.value[2] as number)).toBe(true);
      // Elsewhere θ moved by stepSize·m/(√v/bc2 + ε) with m ≤ 2^-125: nothing at float32's scale.
      for (let i = 0; i < n; i++) if (!live.includes(i)) expect(s.value[i]).toBe(before[i]);
      expect(s.value[1]).toBeLessThan(before[1] as number);
    },
  );
});
