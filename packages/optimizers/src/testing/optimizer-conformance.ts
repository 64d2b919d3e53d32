import type {
  FloatArray,
  FloatDType,
  Optimizer,
  OptimizerFactory,
  OptimizerOptions,
  Parameter,
  StateDict,
  StateValue,
} from '@nabla/tensor';
import { allocate, createRng, randomNormal, Tensor } from '@nabla/tensor';
import { type ContractCheck, ContractError } from '@nabla/tensor/testing';

/**
 * One check of the optimizer contract: `run()` throws a `ContractError` explaining what broke.
 * The same type as `ContractCheck` in `@nabla/tensor/testing`, so `runChecks` runs these too.
 */
export type ConformanceCheck = ContractCheck;

/** Options of `optimizerConformance`: the optimizer options and the length of the runs. */
export interface OptimizerConformanceOptions {
  /** Options passed to the factory for the runs (default: none, the optimizer's own defaults). */
  options?: OptimizerOptions | undefined;
  /** Steps in a full run (default 100). */
  steps?: number | undefined;
  /** Where the resume check stops, saves and reloads (default 50). */
  resumeAt?: number | undefined;
  /** Seed of the fixture's values and gradients (default 7). */
  seed?: number | undefined;
}

interface ParameterSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: FloatDType;
}

/** A small model's worth of parameters: both dtypes, a matrix, a vector and a scalar. */
const SPECS: readonly ParameterSpec[] = [
  { name: 'dense.weight', shape: [3, 4], dtype: 'float64' },
  { name: 'dense.bias', shape: [4], dtype: 'float64' },
  { name: 'out.weight', shape: [4, 2], dtype: 'float32' },
  { name: 'out.scale', shape: [], dtype: 'float32' },
];

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function makeParameter(spec: ParameterSpec, values: ArrayLike<number>): Parameter {
  const size = sizeOf(spec.shape);
  const value = allocate(spec.dtype, size);
  for (let j = 0; j < size; j++) value[j] = values[j] as number;
  return {
    name: spec.name,
    value: new Tensor(spec.dtype, value, spec.shape),
    grad: new Tensor(spec.dtype, allocate(spec.dtype, size), spec.shape),
  };
}

function makeParameters(seed: number, specs: readonly ParameterSpec[] = SPECS): Parameter[] {
  const rng = createRng(seed);
  return specs.map((spec) => {
    const values = Array.from({ length: sizeOf(spec.shape) }, () => randomNormal(rng));
    return makeParameter(spec, values);
  });
}

/** Fresh parameters holding copies of `params`' values (zero gradients). */
function copyParameters(params: readonly Parameter[]): Parameter[] {
  return params.map((p) => makeParameter(specOf(p), p.value.data));
}

function specOf(p: Parameter): ParameterSpec {
  return { name: p.name, shape: p.value.shape, dtype: p.value.dtype };
}

/**
 * The gradients of step `t` (1-based): a pull towards a fixed target, which depends on the
 * current values, plus noise that depends only on (seed, t), so every run sees the same sequence.
 */
function writeGradients(params: readonly Parameter[], t: number, seed: number): void {
  const rng = createRng(seed * 7919 + t);
  let k = 0;
  for (const p of params) {
    const v = p.value.data;
    const g = p.grad.data;
    for (let j = 0; j < v.length; j++, k++) {
      const target = 0.25 * ((k % 5) - 2);
      g[j] = 0.8 * ((v[j] as number) - target) + 0.5 * randomNormal(rng);
    }
  }
}

/** Runs steps `from`..`to` (1-based, inclusive), halving lr before step `halveAt` if it is in range. */
function train(
  optimizer: Optimizer,
  params: readonly Parameter[],
  from: number,
  to: number,
  seed: number,
  halveAt = -1,
): void {
  for (let t = from; t <= to; t++) {
    if (t === halveAt) optimizer.lr = optimizer.lr * 0.5;
    writeGradients(params, t, seed);
    optimizer.step();
  }
}

function fail(message: string): never {
  throw new ContractError(message);
}

function firstDifference(a: FloatArray, b: FloatArray): number {
  if (a.length !== b.length) return 0;
  for (let j = 0; j < a.length; j++) if (!Object.is(a[j], b[j])) return j;
  return -1;
}

function expectSameValues(
  actual: readonly Parameter[],
  expected: readonly Parameter[],
  what: string,
): void {
  actual.forEach((p, i) => {
    const e = expected[i] as Parameter;
    const j = firstDifference(p.value.data, e.value.data);
    if (j >= 0) {
      fail(
        `${what}: parameter ${JSON.stringify(p.name)} differs at element ${j}: ${p.value.data[j]} vs ${e.value.data[j]}`,
      );
    }
  });
}

function snapshot(params: readonly Parameter[], field: 'value' | 'grad'): FloatArray[] {
  return params.map((p) => p[field].data.slice());
}

function describeValue(value: unknown): string {
  return Object.prototype.toString.call(value);
}

/** Throws unless `value` is a StateValue: plain numbers, strings, booleans, null, arrays, objects, typed arrays. */
function checkPlainData(value: unknown, path: string, seen: Set<unknown>): void {
  if (value === null) return;
  const type = typeof value;
  if (type === 'number' || type === 'string' || type === 'boolean') return;
  if (
    value instanceof Float32Array ||
    value instanceof Float64Array ||
    value instanceof Int32Array
  ) {
    return;
  }
  if (type !== 'object') fail(`stateDict(): ${path} is a ${type}, which is not plain data`);
  if (seen.has(value)) fail(`stateDict(): ${path} appears twice (shared or circular reference)`);
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      checkPlainData(item, `${path}[${i}]`, seen);
    });
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    fail(`stateDict(): ${path} is a ${describeValue(value)}, not a plain object`);
  }
  for (const [key, item] of Object.entries(value as object)) {
    checkPlainData(item, `${path}.${key}`, seen);
  }
}

/** Bit-for-bit equality of two state values (NaN equals NaN, 0 differs from -0). */
function sameState(
  a: StateValue | undefined,
  b: StateValue | undefined,
  path: string,
): string | null {
  if (typeof a === 'number' || typeof b === 'number') {
    return Object.is(a, b) ? null : `${path}: ${String(a)} vs ${String(b)}`;
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return a === b ? null : `${path}: ${String(a)} vs ${String(b)}`;
  }
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) {
      return `${path}: ${describeValue(a)} vs ${describeValue(b)}`;
    }
    const j = firstDifference(a as FloatArray, b as FloatArray);
    return j < 0 ? null : `${path}[${j}]: ${(a as FloatArray)[j]} vs ${(b as FloatArray)[j]}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs object`;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k) => !kb.includes(k))) {
    return `${path}: keys [${ka.join(', ')}] vs [${kb.join(', ')}]`;
  }
  for (const k of ka) {
    const diff = sameState(
      (a as Record<string, StateValue>)[k],
      (b as Record<string, StateValue>)[k],
      `${path}.${k}`,
    );
    if (diff !== null) return diff;
  }
  return null;
}

function expectThrows(what: string, action: () => void, mention?: string): Error {
  try {
    action();
  } catch (error) {
    if (!(error instanceof Error)) fail(`${what}: threw a non-Error value ${String(error)}`);
    if (mention !== undefined && !error.message.includes(mention)) {
      fail(`${what}: the error should name ${JSON.stringify(mention)}, got: ${error.message}`);
    }
    return error;
  }
  return fail(`${what}: expected an error, but none was thrown`);
}

/**
 * The contract suite every optimizer must pass, built-in or third-party: it keeps its parameters
 * in order, updates values in place, never writes gradients, is deterministic, returns plain
 * state that is a snapshot, resumes bit for bit after `loadStateDict` (including a changed `lr`),
 * reads `lr` on every step, and rejects bad learning rates, mismatched gradient shapes and state
 * for other parameters with clear errors.
 *
 * Framework-agnostic: each check throws on failure. With vitest:
 * `for (const c of optimizerConformance(createOptimizer)) it(c.name, c.run);`
 */
export function optimizerConformance(
  factory: OptimizerFactory,
  config: OptimizerConformanceOptions = {},
): readonly ConformanceCheck[] {
  const steps = config.steps ?? 100;
  const resumeAt = config.resumeAt ?? 50;
  const seed = config.seed ?? 7;
  const halveAt = Math.max(1, Math.floor(resumeAt / 2));
  if (
    !Number.isInteger(steps) ||
    !Number.isInteger(resumeAt) ||
    resumeAt < 1 ||
    resumeAt >= steps
  ) {
    throw new RangeError(
      `optimizerConformance: need integers 1 <= resumeAt < steps, got resumeAt ${resumeAt} and steps ${steps}`,
    );
  }
  const make = (params: readonly Parameter[]): Optimizer => factory(params, config.options);

  return [
    {
      name: 'keeps its parameters, in order',
      run: () => {
        const params = makeParameters(seed);
        const optimizer = make(params);
        if (optimizer.parameters.length !== params.length) {
          fail(`parameters has ${optimizer.parameters.length} entries, expected ${params.length}`);
        }
        params.forEach((p, i) => {
          const q = optimizer.parameters[i];
          if (q === undefined || q.name !== p.name || q.value !== p.value || q.grad !== p.grad) {
            fail(`parameters[${i}] is not the parameter ${JSON.stringify(p.name)} it was given`);
          }
        });
      },
    },
    {
      name: 'step() updates the values in place',
      run: () => {
        const params = makeParameters(seed);
        const arrays = params.map((p) => p.value.data);
        const before = snapshot(params, 'value');
        const optimizer = make(params);
        train(optimizer, params, 1, 1, seed);
        params.forEach((p, i) => {
          if (p.value.data !== arrays[i]) fail(`step() replaced the value array of ${p.name}`);
        });
        const changed = params.some(
          (p, i) => firstDifference(p.value.data, before[i] as FloatArray) >= 0,
        );
        if (!changed) fail('step() with non-zero gradients left every value unchanged');
      },
    },
    {
      name: 'step() never writes the gradients',
      run: () => {
        const params = makeParameters(seed);
        const optimizer = make(params);
        for (let t = 1; t <= steps; t++) {
          writeGradients(params, t, seed);
          const grads = snapshot(params, 'grad');
          optimizer.step();
          params.forEach((p, i) => {
            const j = firstDifference(p.grad.data, grads[i] as FloatArray);
            if (j >= 0) {
              fail(`step ${t} wrote the gradient of ${JSON.stringify(p.name)} at element ${j}`);
            }
          });
        }
      },
    },
    {
      name: 'is deterministic',
      run: () => {
        const a = makeParameters(seed);
        const b = makeParameters(seed);
        train(make(a), a, 1, steps, seed);
        train(make(b), b, 1, steps, seed);
        expectSameValues(a, b, `two identical runs of ${steps} steps`);
      },
    },
    {
      name: 'stateDict() is plain data that structuredClone copies exactly',
      run: () => {
        const params = makeParameters(seed);
        const optimizer = make(params);
        for (const t of [0, 3]) {
          train(optimizer, params, 1, t, seed);
          const state = optimizer.stateDict();
          checkPlainData(state, 'state', new Set());
          const diff = sameState(state, structuredClone(state), 'state');
          if (diff !== null) fail(`stateDict() after ${t} steps does not clone exactly: ${diff}`);
        }
      },
    },
    {
      name: 'stateDict() is a snapshot, not a view of live buffers',
      run: () => {
        const params = makeParameters(seed);
        const optimizer = make(params);
        train(optimizer, params, 1, 5, seed);
        const state = optimizer.stateDict();
        const copy = structuredClone(state);
        train(optimizer, params, 6, 15, seed);
        const diff = sameState(state, copy, 'state');
        if (diff !== null) fail(`a state dict changed after further steps: ${diff}`);
      },
    },
    {
      name: `resumes bit for bit: stop after ${resumeAt} steps, reload into a fresh optimizer, continue`,
      run: () => {
        const whole = makeParameters(seed);
        train(make(whole), whole, 1, steps, seed, halveAt);

        const first = makeParameters(seed);
        const before = make(first);
        train(before, first, 1, resumeAt, seed, halveAt);
        const saved: StateDict = structuredClone(before.stateDict());
        // A fresh optimizer built with the factory's defaults: lr too must come from the state.
        const second = copyParameters(first);
        const after = factory(second);
        after.loadStateDict(saved);
        if (!Object.is(after.lr, before.lr)) {
          fail(`loadStateDict() left lr at ${after.lr}; the saved optimizer had ${before.lr}`);
        }
        train(after, second, resumeAt + 1, steps, seed);
        expectSameValues(second, whole, `resumed at step ${resumeAt} vs an uninterrupted run`);
      },
    },
    {
      name: 'resumes bit for bit from a state saved before the first step',
      run: () => {
        const whole = makeParameters(seed);
        train(make(whole), whole, 1, 10, seed);
        const params = makeParameters(seed);
        const saved = structuredClone(make(params).stateDict());
        const resumed = factory(params);
        resumed.loadStateDict(saved);
        train(resumed, params, 1, 10, seed);
        expectSameValues(params, whole, 'resumed from step 0 vs an uninterrupted run');
      },
    },
    {
      name: 'reads lr on every step',
      run: () => {
        const a = makeParameters(seed);
        const b = makeParameters(seed);
        const oa = make(a);
        const ob = make(b);
        train(oa, a, 1, 10, seed);
        train(ob, b, 1, 10, seed);
        ob.lr = ob.lr * 0.5;
        train(oa, a, 11, 11, seed);
        train(ob, b, 11, 11, seed);
        const differs = a.some(
          (p, i) => firstDifference(p.value.data, (b[i] as Parameter).value.data) >= 0,
        );
        if (!differs) fail('halving lr before a step did not change that step');
      },
    },
    {
      name: 'rejects a negative, infinite or NaN learning rate',
      run: () => {
        for (const lr of [-0.1, Number.NaN, Number.POSITIVE_INFINITY]) {
          expectThrows(`factory(params, { lr: ${lr} })`, () =>
            factory(makeParameters(seed), { ...config.options, lr }),
          );
        }
        const params = makeParameters(seed);
        const optimizer = make(params);
        writeGradients(params, 1, seed);
        const before = snapshot(params, 'value');
        expectThrows('setting lr = NaN, then step()', () => {
          optimizer.lr = Number.NaN;
          optimizer.step();
        });
        params.forEach((p, i) => {
          if (firstDifference(p.value.data, before[i] as FloatArray) >= 0) {
            fail(`a NaN learning rate still changed ${JSON.stringify(p.name)}`);
          }
        });
      },
    },
    {
      name: 'rejects a gradient whose shape differs from its value, naming the parameter',
      run: () => {
        for (const gradShape of [
          [2, 4],
          [5, 2],
        ]) {
          const params = makeParameters(seed);
          const bad: Parameter = {
            name: 'bad.weight',
            value: new Tensor('float32', new Float32Array(8), [4, 2]),
            grad: new Tensor('float32', allocate('float32', sizeOf(gradShape)), gradShape),
          };
          const all = [...params, bad];
          writeGradients(params, 1, seed);
          const before = snapshot(params, 'value');
          expectThrows(
            `a gradient of shape [${gradShape}] for a value of shape [4,2]`,
            () => make(all).step(),
            'bad.weight',
          );
          params.forEach((p, i) => {
            if (firstDifference(p.value.data, before[i] as FloatArray) >= 0) {
              fail(`a bad gradient elsewhere still let ${JSON.stringify(p.name)} be updated`);
            }
          });
        }
      },
    },
    {
      name: 'loadStateDict() rejects a state saved for other parameters, and stays usable',
      run: () => {
        const other = makeParameters(seed + 1, [
          { name: 'dense.weight', shape: [2, 2], dtype: 'float64' },
          { name: 'dense.bias', shape: [2], dtype: 'float64' },
          { name: 'out.weight', shape: [2, 2], dtype: 'float32' },
          { name: 'out.scale', shape: [], dtype: 'float32' },
        ]);
        const otherOptimizer = make(other);
        train(otherOptimizer, other, 1, 3, seed);
        const params = makeParameters(seed);
        const optimizer = make(params);
        expectThrows('loading a state for parameters of other sizes', () =>
          optimizer.loadStateDict(otherOptimizer.stateDict()),
        );
        train(optimizer, params, 1, 10, seed);
        const fresh = makeParameters(seed);
        train(make(fresh), fresh, 1, 10, seed);
        expectSameValues(params, fresh, 'after a rejected loadStateDict() vs a fresh optimizer');
      },
    },
  ];
}
