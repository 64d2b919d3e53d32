import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromTypedArray } from '../creation.js';
import {
  checkEdgeShapes,
  checkMatmul,
  type MatmulPath,
  matmulCases,
} from '../kernels/conformance.js';
import { jsAdam } from '../kernels/js/adam.js';
import { jsSgd } from '../kernels/js/sgd.js';
import type { AdamCoefficients } from '../kernels/kernels.js';
import type { Spawn } from '../kernels/threads/platform.js';
import { CONTROL } from '../kernels/threads/pool.js';
import { probeWasm, type WasmSupport } from '../kernels/wasm/module.js';
import { matmul } from '../ops/matmul.js';
import { createRng } from '../random.js';
import {
  type BackendName,
  createEngine,
  ENGINE_PROTOCOL,
  type Engine,
  type EngineOptions,
  internals,
} from './engine.js';
import { backendName, engineInfo, getEngine, setBackend, setThreads } from './registry.js';

if (!probeWasm().relaxedSimd) setFlagsFromString('--experimental-wasm-relaxed-simd');
const support = probeWasm();
const none: WasmSupport = {
  simd: false,
  relaxedSimd: false,
  sharedSimd: false,
  sharedRelaxedSimd: false,
};

const engines: Engine[] = [];
/** An engine disposed of after the test. */
function engine(options: EngineOptions = {}): Engine {
  const e = createEngine(options);
  engines.push(e);
  return e;
}
afterEach(() => {
  for (const e of engines.splice(0)) e.dispose();
});

const asPath = (e: Engine, name: string): MatmulPath => ({ name, run: (job) => e.matmul(job) });

describe('backend selection', () => {
  it('auto takes the best wasm level and reports it', () => {
    const e = engine();
    expect(e.info().backend).toBe('wasm-relaxed-simd');
    expect(e.info().reasons).toEqual([]);
    expect(e.info().threads).toBeGreaterThanOrEqual(1);
  });

  it('falls back relaxed SIMD → SIMD → JS with the reasons, in auto mode without throwing', () => {
    const plain = engine({ support: { ...support, relaxedSimd: false, sharedRelaxedSimd: false } });
    expect(plain.info().backend).toBe('wasm-simd');
    expect(plain.info().reasons).toEqual([
      expect.stringMatching(/^wasm-relaxed-simd: this runtime does not validate relaxed SIMD/),
    ]);
    const bare = engine({ support: none });
    expect(bare.info().backend).toBe('js');
    expect(bare.info().threads).toBe(1);
    expect(bare.info().reasons).toHaveLength(2);
  });

  it('falls back to JS when compiling or instantiating the module fails (a CSP), with the error', () => {
    const real = WebAssembly.Instance;
    const refuse = function refuse(): never {
      throw new WebAssembly.CompileError(
        "WebAssembly.Module(): Refused to compile or instantiate WebAssembly module because 'unsafe-eval' is not an allowed source",
      );
    };
    (WebAssembly as { Instance: unknown }).Instance = refuse;
    try {
      const e = engine();
      expect(e.info().backend).toBe('js');
      expect(e.info().reasons.join('\n')).toMatch(/wasm-simd: could not start: .*unsafe-eval/);
      const a = fromTypedArray(Float32Array.from([1, 2, 3, 4]), [2, 2]);
      const c = new Float32Array(4);
      e.matmul({
        a: a.data,
        b: a.data,
        c,
        m: 2,
        n: 2,
        k: 2,
        transA: false,
        transB: false,
        accumulate: false,
      });
      expect(Array.from(c)).toEqual([7, 10, 15, 22]);
      expect(() => engine({ backend: 'wasm' }).info()).toThrow(/setBackend: wasm: cannot run here/);
    } finally {
      (WebAssembly as { Instance: unknown }).Instance = real;
    }
  });

  it('throws for a named backend it cannot run, keeping the previous one', () => {
    const e = engine({ support: none });
    expect(() => e.setBackend('wasm-simd')).toThrow(
      /setBackend: wasm-simd: cannot run here: wasm-simd: this runtime has no WebAssembly SIMD/,
    );
    expect(e.info().backend).toBe('js');
    expect(() => e.setBackend('gpu' as BackendName)).toThrow(
      /unknown backend "gpu": expected one of auto, js, wasm, wasm-simd, wasm-relaxed-simd/,
    );
    expect(() => createEngine({ backend: 'gpu' as BackendName })).toThrow(RangeError);
  });

  it('runs on one thread and says why when workers cannot start', () => {
    const spawn: Spawn = () => {
      throw new Error('Refused to create a worker: worker-src');
    };
    const e = engine({ spawn, threads: 2, minThreadedFlops: 0, tuner: false });
    expect(e.info().threads).toBe(2);
    checkMatmul(asPath(e, 'no workers'), {
      m: 64,
      n: 64,
      k: 64,
      transA: false,
      transB: false,
      accumulate: false,
      seed: 3,
    });
    expect(e.info().threads).toBe(1);
    expect(e.info().reasons).toContain(
      'threads: worker 1 could not be started: Refused to create a worker: worker-src; one thread',
    );
  });
});

/** Every way the engine can run a product: each backend, threads, and a memory too small. */
const dispatchPaths: Array<[string, EngineOptions]> = [
  ['js', { backend: 'js' }],
  ['wasm-simd, one thread', { backend: 'wasm-simd', threads: 1 }],
  ['wasm-relaxed-simd, one thread', { backend: 'wasm-relaxed-simd', threads: 1 }],
  [
    'wasm-simd, two threads',
    { backend: 'wasm-simd', threads: 2, minThreadedFlops: 0, tuner: false },
  ],
  ['wasm-simd, 2 MiB of memory', { backend: 'wasm-simd', memoryLimit: 2 * 1024 * 1024 }],
];

describe.each(dispatchPaths)('engine matmul (%s)', (name, options) => {
  it.each(['float32', 'float64'] as const)(
    'matches the reference for %s operands on random shapes and every edge shape',
    (dtype) => {
      const e = engine(options);
      const path = asPath(e, name);
      fc.assert(
        fc.property(matmulCases(48), (c) => checkMatmul(path, { ...c, dtype })),
        { numRuns: 40 },
      );
      checkEdgeShapes(path, 7, dtype);
    },
    60_000,
  );
});

function adamCoefficients(t: number): AdamCoefficients {
  return {
    stepSize: 1e-3 / (1 - 0.9 ** t),
    beta1: 0.9,
    beta2: 0.999,
    bc2Sqrt: Math.sqrt(1 - 0.999 ** t),
    eps: 1e-8,
    l2: 0.01,
    shrink: 1,
  };
}

describe('an engine over a small memory', () => {
  // Room for a small product and its ~1.1 MB of packing scratch per thread, not for a large one.
  const limit = 3 * 1024 * 1024;

  it.each([false, true])(
    'runs products too large for it on the JS kernels (accumulate %s), counting them',
    (accumulate) => {
      for (const threads of [1, 2]) {
        const e = engine({
          backend: 'wasm-simd',
          memoryLimit: limit,
          threads,
          minThreadedFlops: 0,
        });
        checkMatmul(asPath(e, 'small'), {
          m: 16,
          n: 16,
          k: 16,
          transA: false,
          transB: true,
          accumulate,
          seed: 1,
        });
        expect(e.info().memoryFallbacks).toBe(0);
        checkMatmul(asPath(e, 'small'), {
          m: 1000, // C alone is 2.4 MB
          n: 600,
          k: 8,
          transA: true,
          transB: false,
          accumulate,
          seed: 2,
        });
        expect(e.info().memoryFallbacks).toBe(1);
        expect(e.info().memoryBytes).toBeLessThanOrEqual(limit);
      }
    },
    60_000,
  );

  it('runs fused updates too large for it on the JS loops, bit-identical to them', () => {
    const e = engine({ backend: 'wasm-simd', memoryLimit: limit });
    const rng = createRng(5);
    const n = 400_000; // 2 arrays of 1.6 MB: more than the limit
    const rand = () => Float32Array.from({ length: n }, () => rng.next() - 0.5);
    const value = rand();
    const grad = rand();
    const m = rand().map(Math.abs);
    const v = rand().map(Math.abs);
    const vMax = v.slice();
    const ref = [value.slice(), grad.slice(), m.slice(), v.slice(), vMax.slice()] as const;
    e.adam(value, grad, m, v, vMax, adamCoefficients(3));
    jsAdam(ref[0], ref[1], ref[2], ref[3], ref[4], adamCoefficients(3));
    // A plain loop: vitest's deep equality is slow on large typed arrays.
    const same = (x: Float32Array, y: Float32Array) => x.every((a, i) => Object.is(a, y[i]));
    expect([same(value, ref[0]), same(m, ref[2]), same(v, ref[3]), same(vMax, ref[4])]).toEqual([
      true,
      true,
      true,
      true,
    ]);
    e.sgd(value, grad, 0.1);
    jsSgd(ref[0], ref[1], 0.1);
    expect(same(value, ref[0])).toBe(true);
    expect(e.info().memoryFallbacks).toBe(2);
    // A short enough array still runs on the kernel (no fallback counted).
    e.sgd(value.subarray(0, 1000), grad.subarray(0, 1000), 0.1);
    expect(e.info().memoryFallbacks).toBe(2);
  });
});

/** A worker that takes part in the protocol, claims one block of the first job and never finishes it. */
const hangingSpawn: Spawn = (data, onExit) => {
  const { SEQ, NEXT, READY } = CONTROL;
  const code = `
    const { workerData } = require('node:worker_threads');
    const c = new Int32Array(workerData.control);
    let seen = Atomics.load(c, ${SEQ});
    Atomics.store(c, ${READY} + workerData.index, 1);
    for (;;) {
      // Wait for the next job (polling, like the real workers), then try to claim a block.
      while (Atomics.load(c, ${SEQ}) === seen) {}
      seen = Atomics.load(c, ${SEQ});
      for (;;) {
        const v = Atomics.load(c, ${NEXT});
        if ((v & 1023) >= ((v >>> 10) & 1023)) break;
        if (Atomics.compareExchange(c, ${NEXT}, v, v + 1) === v) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // never finishes it
        }
      }
    }
  `;
  const worker = new Worker(code, { eval: true, workerData: data });
  worker.unref();
  worker.on('error', (e) => onExit(String(e)));
  return { stop: () => void worker.terminate() };
};

describe('a worker that never finishes its block', () => {
  it('makes the product throw a clear error within the timeout, then runs on one thread', async () => {
    const e = engine({
      spawn: hangingSpawn,
      threads: 2,
      minThreadedFlops: 0,
      tuner: false,
      workerTimeoutMs: 300,
    });
    await internals(e).pool?.whenReady(1);
    const n = 256;
    const a = new Float32Array(n * n).fill(1);
    const c = new Float32Array(n * n);
    const job = { a, b: a, c, m: n, n, k: n, transA: false, transB: false, accumulate: false };
    const started = performance.now();
    let error: unknown;
    // The worker may find every block taken by the caller (on a busy machine it may not even run
    // for a while); it claims one within a few calls, or a few seconds.
    while (error === undefined && performance.now() - started < 5_000) {
      try {
        e.matmul(job);
      } catch (err) {
        error = err;
      }
    }
    expect(String(error)).toMatch(
      /matmul: 1 of 4 blocks were not finished by the worker threads within 300 ms; the threads were stopped/,
    );
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(e.info().threads).toBe(1);
    expect(e.info().reasons.join('\n')).toMatch(/did not finish its part .* within 300 ms/);
    e.matmul(job);
    expect(c.every((x) => x === n)).toBe(true);
  });
});

describe('the shared engine', () => {
  const key = Symbol.for('@nabla/tensor/engine');
  const scope = globalThis as unknown as Record<symbol, unknown>;
  afterEach(() => {
    setBackend('auto');
    setThreads('auto');
  });

  it('is one object on globalThis under Symbol.for, which the public functions act on', () => {
    const shared = getEngine();
    expect(getEngine()).toBe(shared);
    expect(scope[key]).toBe(shared);
    expect(shared.protocol).toBe(ENGINE_PROTOCOL);
    setThreads(1);
    expect(engineInfo().threads).toBe(1);
    expect(shared.info().threads).toBe(1);
    expect(() => setThreads(0)).toThrow(/setThreads: expected a whole number from 1 to 64/);
  });

  it('switches the kernels the matmul op uses, with equal results up to float32 rounding', () => {
    const rng = createRng(7);
    const data = (n: number) => Float32Array.from({ length: n }, () => rng.next() - 0.5);
    const a = fromTypedArray(data(37 * 53), [37, 53]);
    const b = fromTypedArray(data(53 * 29), [53, 29]);
    setBackend('js');
    expect(backendName()).toBe('js');
    const viaJs = matmul(a, b).data;
    setBackend('wasm-simd');
    expect(backendName()).toBe('wasm-simd');
    const viaWasm = matmul(a, b).data;
    for (let i = 0; i < viaJs.length; i++) {
      expect(Math.abs((viaWasm[i] as number) - (viaJs[i] as number))).toBeLessThan(1e-5);
    }
    setBackend('auto');
    expect(backendName()).toMatch(/^wasm-(relaxed-)?simd$/);
  });

  it('gives a copy of another protocol an engine of its own, and says so once', () => {
    const shared = scope[key];
    const foreign = { protocol: ENGINE_PROTOCOL + 1 };
    Object.defineProperty(scope, key, { value: foreign, configurable: true });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const mine = getEngine();
      expect(mine).not.toBe(foreign);
      expect(getEngine()).toBe(mine);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/engine protocol 2/);
      expect(mine.info().reasons[0]).toMatch(/uses an engine of its own/);
    } finally {
      warn.mockRestore();
      Object.defineProperty(scope, key, { value: shared, configurable: true });
    }
  });

  it('dispose ends the workers; the engine starts afresh on its next call', async () => {
    const e = engine({ threads: 2, minThreadedFlops: 0, tuner: false });
    const pool = internals(e).pool;
    await pool?.whenReady(1);
    expect(e.info().workersReady).toBe(1);
    e.dispose();
    expect(pool?.isClosed).toBe(true);
    checkMatmul(asPath(e, 'after dispose'), {
      m: 40,
      n: 40,
      k: 40,
      transA: false,
      transB: false,
      accumulate: false,
      seed: 9,
    });
    expect(internals(e).pool).not.toBe(pool);
  });
});
