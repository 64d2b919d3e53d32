import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { checkEdgeShapes, checkMatmul, type MatmulPath } from '../kernels/conformance.js';
import type { AdamCoefficients, GemmJob } from '../kernels/kernels.js';
import { createRng } from '../random.js';
import { releaseResident, residentZeros } from '../resident.js';
import { createEngine, type Engine, type EngineOptions, internals } from './engine.js';
import { engineInfo } from './registry.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const engines: Engine[] = [];
function engine(options: EngineOptions = {}): Engine {
  const e = createEngine({ backend: 'wasm-simd', ...options });
  engines.push(e);
  return e;
}
afterEach(() => {
  for (const e of engines.splice(0)) e.dispose();
});

/** Holders that keep the test's resident arrays alive until the test ends. */
const keep: object[] = [];
afterEach(() => {
  keep.length = 0;
});

/** A resident copy of `x` held for the test. */
function resident(e: Engine, x: Float32Array): Float32Array {
  const holder = {};
  keep.push(holder);
  const r = e.allocate(x.length, holder);
  r.set(x);
  return r;
}

const GUARD = 7;
const SENTINEL = -12345.5;

/**
 * Runs products with the chosen operands resident in `e`'s memory: A and B copied there, C placed
 * inside a resident block between sentinels (which must survive), and the result copied back.
 */
function residentPath(e: Engine, which: { a: boolean; b: boolean; c: boolean }): MatmulPath {
  return {
    name: `resident ${JSON.stringify(which)}`,
    run(job: GemmJob) {
      const { a, b, c } = job as GemmJob<Float32Array>;
      const ra = which.a ? resident(e, a) : a;
      const rb = which.b ? resident(e, b) : b;
      if (!which.c) {
        e.matmul({ ...job, a: ra, b: rb });
        return;
      }
      const backing = resident(e, new Float32Array(c.length + 2 * GUARD).fill(SENTINEL));
      const rc = backing.subarray(GUARD, GUARD + c.length);
      rc.set(c);
      e.matmul({ ...job, a: ra, b: rb, c: rc });
      for (let i = 0; i < GUARD; i++) {
        if (backing[i] !== SENTINEL || backing[GUARD + c.length + i] !== SENTINEL) {
          throw new Error('the kernel wrote outside the resident C');
        }
      }
      c.set(rc);
    },
  };
}

const COMBINATIONS = [
  { a: true, b: true, c: true },
  { a: true, b: false, c: false },
  { a: false, b: true, c: true },
  { a: false, b: false, c: true },
];

describe('resident arrays', () => {
  it('are views of the engine memory that the wasm kernels recognise', () => {
    const e = engine();
    const holder = {};
    const x = e.allocate(1000, holder);
    const wasm = internals(e).wasm;
    expect(wasm?.residentAt(x)).toBe(x.byteOffset);
    expect(x.byteOffset % 64).toBe(0);
    expect(x.every((v) => v === 0)).toBe(true);
    expect(e.info()).toMatchObject({ resident: true, residentBlocks: 1, residentBytes: 4032 });
    e.release(holder);
    expect(e.info()).toMatchObject({ residentBlocks: 0, residentBytes: 0 });
  });

  it('are ordinary arrays on the JS backend, and without a shared memory', () => {
    for (const e of [
      engine({ backend: 'js' }),
      engine({ spawn: undefined, support: { ...supportWithoutShared() } }),
    ]) {
      const x = e.allocate(10, {});
      expect(x).toBeInstanceOf(Float32Array);
      expect(x.length).toBe(10);
      expect(e.info().resident).toBe(false);
    }
  });

  it.each([1, 2])('keep their values when the memory grows (threads %i)', (threads) => {
    const e = engine({ threads, minThreadedFlops: 0 });
    const rng = createRng(3);
    const values = Float32Array.from({ length: 5000 }, () => rng.next());
    const x = resident(e, values);
    const before = e.info().memoryBytes;
    // A product far larger than the memory so far makes it grow several times over.
    const big = new Float32Array(600 * 600).fill(1);
    e.matmul({
      a: big,
      b: big,
      c: new Float32Array(600 * 600),
      m: 600,
      n: 600,
      k: 600,
      transA: false,
      transB: false,
      accumulate: false,
    });
    const y = resident(e, new Float32Array(3_000_000));
    expect(e.info().memoryBytes).toBeGreaterThan(before + 10_000_000);
    expect(x.length).toBe(5000);
    expect(x.every((v, i) => v === values[i])).toBe(true);
    // Both generations of the memory's buffer are recognised as the engine's.
    expect(e.overlapping(x, y)).toBe(false);
    expect(e.overlapping(x, x.subarray(10, 20))).toBe(true);
    expect(internals(e).wasm?.residentAt(x)).toBe(x.byteOffset);
    expect(internals(e).wasm?.residentAt(y)).toBe(y.byteOffset);
  });

  it.each(COMBINATIONS)(
    'give the reference product in place (%o), on one thread and on two',
    (which) => {
      for (const threads of [1, 2]) {
        const e = engine({ threads, minThreadedFlops: 0, tuner: false });
        const path = residentPath(e, which);
        checkEdgeShapes(path, 11);
        for (const [m, n, k] of [
          [64, 96, 80],
          [129, 7, 300],
        ] as const) {
          for (const transA of [false, true]) {
            for (const transB of [false, true]) {
              for (const accumulate of [false, true]) {
                checkMatmul(path, { m, n, k, transA, transB, accumulate, seed: m + n + k });
              }
            }
          }
        }
      }
    },
    120_000,
  );

  it('stage an output that overlaps a resident operand instead of writing over it', () => {
    const e = engine();
    const holder = {};
    const block = e.allocate(64, holder);
    block.set(Float32Array.from({ length: 64 }, (_, i) => i));
    const a = block.subarray(0, 16); // 4×4
    const c = block.subarray(8, 24); // overlaps A's last half
    const aCopy = a.slice();
    const eye = Float32Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0));
    e.matmul({ a, b: eye, c, m: 4, n: 4, k: 4, transA: false, transB: false, accumulate: false });
    // C = A·I computed from A as it was before the call.
    expect([...c]).toEqual([...aCopy]);
  });

  it('run the fused updates where they are, bit-identical to the same kernel on copies', () => {
    const e = engine();
    const rng = createRng(9);
    const c: AdamCoefficients = {
      stepSize: 1e-3 / (1 - 0.9 ** 2),
      beta1: 0.9,
      beta2: 0.999,
      bc2Sqrt: Math.sqrt(1 - 0.999 ** 2),
      eps: 1e-8,
      l2: 0.01,
      shrink: 1,
    };
    // 1001: not a whole number of 4-lane vectors, so the kernel runs into the block's padding.
    const n = 1001;
    const rand = () => Float32Array.from({ length: n }, () => rng.next() - 0.5);
    const plain = [rand(), rand(), rand().map(Math.abs), rand().map(Math.abs)] as const;
    const ref = plain.map((x) => x.slice()) as unknown as typeof plain;
    // All resident, then a mix of resident and copied arrays.
    const all = plain.map((x) => resident(e, x)) as unknown as typeof plain;
    const mixed = [
      resident(e, plain[0]),
      plain[1].slice(),
      resident(e, plain[2]),
      plain[3].slice(),
    ] as const;
    e.adam(all[0], all[1], all[2], all[3], undefined, c);
    e.adam(mixed[0], mixed[1], mixed[2], mixed[3], undefined, c);
    // The reference: the same kernel on ordinary arrays, which it copies in and out.
    e.adam(ref[0], ref[1], ref[2], ref[3], undefined, c);
    const same = (x: Float32Array, y: Float32Array) => x.every((a, i) => Object.is(a, y[i]));
    for (const got of [all, mixed]) {
      expect([same(got[0], ref[0]), same(got[2], ref[2]), same(got[3], ref[3])]).toEqual([
        true,
        true,
        true,
      ]);
    }
    e.sgd(all[0], all[1], 0.1);
    e.sgd(mixed[0], mixed[1], 0.1);
    e.sgd(ref[0], ref[1], 0.1);
    expect([same(all[0], ref[0]), same(mixed[0], ref[0])]).toEqual([true, true]);
    // A resident view that does not start its block is copied (its padding is not its own).
    const tail = all[0].subarray(1);
    const tailRef = ref[0].slice(1);
    e.sgd(tail, all[1].subarray(1), 0.5);
    e.sgd(tailRef, ref[1].slice(1), 0.5);
    expect(same(tail, tailRef)).toBe(true);
    expect(all[0][0]).toBe(ref[0][0]);
    expect(e.info().memoryFallbacks).toBe(0);
  });

  it('are freed when their holders are released or collected: a long loop stays flat', async () => {
    const e = engine();
    const usage = () => e.info().residentBytes;
    // Explicit release.
    for (let i = 0; i < 2000; i++) {
      const holder = {};
      e.allocate(10_000 + (i % 7) * 1000, holder);
      e.release(holder);
    }
    expect(usage()).toBe(0);
    // Collected holders (no release): the backstop frees their memory.
    const churn = () => {
      for (let i = 0; i < 50; i++) e.allocate(250_000, {});
    };
    churn();
    const peak = e.info().memoryBytes;
    // Collect until the registry has run its callbacks (they run in tasks of their own).
    const collect = async () => {
      for (let i = 0; i < 50 && usage() > 0; i++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    };
    for (let round = 0; round < 5; round++) {
      await collect();
      churn();
    }
    await collect();
    expect(usage()).toBe(0);
    // 50 × 1 MB per round, 6 rounds: without the backstop the memory would hold 300 MB.
    expect(e.info().memoryBytes).toBeLessThanOrEqual(peak);
    // A block with two holders lives until both are gone.
    const first = {};
    const x = e.allocate(100, first);
    const second = {};
    e.hold(x.subarray(0, 50), second);
    e.release(first);
    expect(e.info().residentBlocks).toBe(1);
    e.release(second);
    expect(e.info().residentBlocks).toBe(0);
  }, 60_000);
});

function supportWithoutShared() {
  return { simd: true, relaxedSimd: false, sharedSimd: false, sharedRelaxedSimd: false };
}

describe('resident tensors (the shared engine)', () => {
  const settle = async (until: () => boolean) => {
    for (let i = 0; i < 50 && !until(); i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };

  it('keep the memory of a tensor a view still uses, and give it back after', async () => {
    const base = engineInfo().residentBytes;
    const make = () => {
      const t = residentZeros([100, 10]);
      t.data.fill(7);
      return t.rows(2, 5).reshape([30]);
    };
    let view: ReturnType<typeof make> | undefined = make();
    expect(engineInfo().resident).toBe(true);
    // The tensor that held the memory is unreachable now; churn allocations over freed memory.
    for (let round = 0; round < 5; round++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 1));
      for (let i = 0; i < 20; i++) residentZeros([1000]).data.fill(1);
    }
    expect(view.data.every((v) => v === 7)).toBe(true);
    view = undefined;
    await settle(() => engineInfo().residentBytes === base);
    expect(engineInfo().residentBytes).toBe(base);
  }, 60_000);

  it('are released at once by releaseResident, and only once', () => {
    const base = engineInfo().residentBytes;
    const t = residentZeros([256, 256]);
    expect(engineInfo().residentBytes).toBe(base + 256 * 256 * 4);
    releaseResident(t);
    releaseResident(t);
    expect(engineInfo().residentBytes).toBe(base);
    // float64 tensors are ordinary ones.
    expect(residentZeros([4], 'float64').data.buffer).toBeInstanceOf(ArrayBuffer);
  });
});
