import type { FloatDType, Parameter, Rng, Shape, Tensor } from '@nabla/tensor';
import { createRng, formatShape, getEngine, normal, shapesEqual } from '@nabla/tensor';
import { type ContractCheck, ContractError, gradCheck } from '@nabla/tensor/testing';
import type { ForwardContext, Layer, TensorStateDict } from '../layer.js';

/** One known value of a layer: with these parameters, this input gives this output. */
export interface LayerValue {
  /** Parameter values loaded (`loadStateDict`) before the forward; omit for a layer without any. */
  state?: TensorStateDict | undefined;
  input: Tensor<'float64'>;
  /** The expected output, worked out independently (by hand, or with another library). */
  output: Tensor<'float64'>;
  /** The forward's context (default: the suite's `context`). */
  context?: ForwardContext | undefined;
}

/** What `layerContract` checks a layer with: how to build it, the input shapes, known values and tolerances. */
export interface LayerContractOptions {
  /**
   * Builds the layer under test with float64 parameters. It is called several times; the same
   * generator seed must give the same layer.
   */
  create(rng: Rng): Layer<'float64'>;
  /** Input shapes to check, e.g. `[[1, 3], [4, 3]]` (use several batch sizes). */
  inputShapes: readonly Shape[];
  /**
   * Builds an input of `shape` (default: standard normal). Layers with a kink (ReLU) should keep
   * inputs away from it, see `awayFromZero`.
   */
  input?: ((rng: Rng, shape: Shape) => Tensor<'float64'>) | undefined;
  /**
   * The context of every forward, built afresh for each call (default `{ training: false }`).
   * Give a stochastic layer a generator with a fixed seed here, so that every forward of the
   * gradient check draws the same mask.
   */
  context?: (() => ForwardContext) | undefined;
  /** The worst relative error the gradient checks accept (default 1e-6). */
  tolerance?: number | undefined;
  /** Finite-difference step (default 1e-5) and relative-error floor (default 1e-4), see gradCheck. */
  eps?: number | undefined;
  minScale?: number | undefined;
  /** Seed of every generator the suite uses (default 1). */
  seed?: number | undefined;
  /**
   * A few known input → output values (a value oracle). The gradient checks only prove that
   * backward matches forward as written; a wrong formula whose backward matches it (forward and
   * backward both doubled) passes every other check. Give at least one.
   */
  values?: readonly LayerValue[] | undefined;
  /** Relative tolerance of the known values (default 1e-6, absolute below 1). */
  valueTolerance?: number | undefined;
}

/**
 * The contract every layer must meet, as a list of checks (run them with any test framework):
 *
 * - the gradients w.r.t. the input and every parameter match central finite differences in
 *   float64 (worst relative error below `tolerance`) for every input shape, with the scalar
 *   loss L = Σ forward(x) ∘ R for a random R;
 * - forward and backward leave the input and the incoming gradient unchanged, and repeating them
 *   gives the same results;
 * - backward overwrites parameter gradients by default and adds into them with
 *   `{ accumulate: true }`, and never changes the parameter values;
 * - parameters have unique, non-empty names in a stable order, and the same tensors each call;
 * - `stateDict()` returns copies that load into another instance and reproduce its outputs;
 *   `loadStateDict()` rejects missing keys, unexpected keys and wrong shapes, naming the key,
 *   and changes nothing when it does;
 * - non-trainable state (`buffers()`, e.g. running statistics) is in the state dict but not in
 *   `parameters()`, is saved as copies and loaded in place, and only a training-mode forward
 *   changes it;
 * - backward before any forward, and backward with a gradient of the wrong shape, throw errors
 *   naming the layer;
 * - forward matches the known `values`, when given (the only check that catches a
 *   self-consistent wrong formula).
 *
 * @example
 * for (const check of layerContract({ create: (rng) => new Linear(3, 2, { rng, dtype: 'float64' }), inputShapes: [[1, 3], [4, 3]] }))
 *   it(check.name, check.run);
 */
export function layerContract(options: LayerContractOptions): ContractCheck[] {
  const {
    create,
    inputShapes,
    input = (rng: Rng, shape: Shape) => normal(rng, shape, 0, 1, { dtype: 'float64' }),
    context = () => ({ training: false }),
    tolerance = 1e-6,
    eps = 1e-5,
    minScale = 1e-4,
    seed = 1,
    values,
    valueTolerance = 1e-6,
  } = options;
  if (inputShapes.length === 0)
    throw new ContractError('layerContract: give at least one input shape');
  if (values !== undefined && values.length === 0)
    throw new ContractError('layerContract: `values` is empty; give at least one known value');
  const build = (offset = 0): Layer<'float64'> => create(createRng(seed + offset));
  /** An input for shape k and the random weighting R of the outputs. */
  const fixture = (shape: Shape, k: number): { x: Tensor<'float64'>; r: Tensor<'float64'> } => {
    const rng = createRng(seed * 7919 + k);
    const x = input(rng, shape);
    const y = build().forward(x.clone(), context());
    const r = normal(rng, y.shape, 0, 1, { dtype: 'float64' });
    return { x, r };
  };
  const probe = build();
  const label = probe.name;
  const checks: ContractCheck[] = [];

  inputShapes.forEach((shape, k) => {
    checks.push({
      name: `${label}: gradients match finite differences (input ${formatShape(shape)})`,
      run() {
        const { x, r } = fixture(shape, k);
        const layer = build();
        const loss = (): number => dot(layer.forward(x, context()), r);
        layer.forward(x, context());
        const gx = layer.backward(r).clone();
        if (!shapesEqual(gx.shape, x.shape)) {
          fail(
            `backward returned a gradient of shape ${formatShape(gx.shape)} for an input of shape ${formatShape(x.shape)}`,
          );
        }
        const grads = layer.parameters().map((p) => ({ p, grad: p.grad.clone() }));
        expectClose(
          gradCheck(loss, x, asFloat64(gx, 'input gradient'), { eps, minScale }),
          'the input',
          tolerance,
        );
        for (const { p, grad } of grads) {
          const value = asFloat64(p.value, `parameter ${p.name}`);
          expectClose(
            gradCheck(loss, value, asFloat64(grad, `gradient of ${p.name}`), { eps, minScale }),
            `parameter "${p.name}"`,
            tolerance,
          );
        }
      },
    });
  });

  checks.push({
    name: `${label}: forward and backward leave their arguments unchanged and are repeatable`,
    run() {
      inputShapes.forEach((shape, k) => {
        const { x, r } = fixture(shape, k);
        const xCopy = x.clone();
        const rCopy = r.clone();
        const layer = build();
        const y1 = layer.forward(x, context()).clone();
        const g1 = layer.backward(r).clone();
        expectEqual(x, xCopy, `forward/backward changed the input ${formatShape(shape)}`);
        expectEqual(r, rCopy, `backward changed the incoming gradient ${formatShape(r.shape)}`);
        const y2 = layer.forward(x, context()).clone();
        const g2 = layer.backward(r).clone();
        expectEqual(x, xCopy, `a second forward/backward changed the input ${formatShape(shape)}`);
        expectEqual(r, rCopy, 'a second backward changed the incoming gradient');
        expectEqual(y2, y1, 'forward gave a different output for the same input and context');
        expectEqual(
          g2,
          g1,
          'backward gave a different input gradient for the same input and gradient',
        );
      });
    },
  });

  checks.push({
    name: `${label}: backward overwrites parameter gradients, or adds with accumulate: true`,
    run() {
      const shape = inputShapes[inputShapes.length - 1] as Shape;
      const { x, r } = fixture(shape, inputShapes.length - 1);
      const layer = build();
      const values = layer.parameters().map((p) => p.value.clone());
      layer.forward(x, context());
      const gx = layer.backward(r).clone();
      const first = layer.parameters().map((p) => p.grad.clone());
      layer.forward(x, context());
      layer.backward(r);
      layer.parameters().forEach((p, i) => {
        expectEqual(
          p.grad,
          first[i] as Tensor,
          `a second backward did not overwrite the gradient of "${p.name}"`,
        );
      });
      layer.forward(x, context());
      const gxAcc = layer.backward(r, { accumulate: true });
      expectEqual(
        gxAcc,
        gx,
        'the input gradient changed with accumulate: true (only parameter gradients accumulate)',
      );
      layer.parameters().forEach((p, i) => {
        const twice = (first[i] as Tensor).clone();
        for (let j = 0; j < twice.size; j++) twice.data[j] = 2 * (twice.data[j] as number);
        expectNear(
          p.grad,
          twice,
          1e-12,
          `backward with accumulate: true did not add into the gradient of "${p.name}"`,
        );
        expectEqual(
          p.value,
          values[i] as Tensor,
          `forward/backward changed the value of parameter "${p.name}"`,
        );
      });
    },
  });

  checks.push({
    name: `${label}: parameters have stable, unique names and the same tensors on every call`,
    run() {
      const layer = build();
      const a = layer.parameters();
      const b = layer.parameters();
      const names = a.map((p) => p.name);
      if (b.length !== a.length || b.some((p, i) => p.name !== names[i])) {
        fail(`parameters() returned [${names}] then [${b.map((p) => p.name)}]`);
      }
      const seen = new Set<string>();
      a.forEach((p, i) => {
        if (typeof p.name !== 'string' || p.name === '') fail(`parameter ${i} has an empty name`);
        if (seen.has(p.name)) fail(`parameter name "${p.name}" appears twice`);
        seen.add(p.name);
        const q = b[i] as Parameter;
        if (q.value !== p.value || q.grad !== p.grad) {
          fail(
            `parameters() returned new tensors for "${p.name}"; optimizers keep references, so they must be the same`,
          );
        }
        if (!shapesEqual(p.grad.shape, p.value.shape) || p.grad.dtype !== p.value.dtype) {
          fail(
            `"${p.name}": grad is ${p.grad.dtype} ${formatShape(p.grad.shape)}, value is ${p.value.dtype} ${formatShape(p.value.shape)}`,
          );
        }
        if (p.value.dtype !== 'float64')
          fail(`"${p.name}" is ${p.value.dtype}; create() must build a float64 layer`);
      });
      const twin = build().parameters();
      if (twin.length !== a.length || twin.some((p, i) => p.name !== names[i])) {
        fail(
          `two layers built the same way name their parameters differently: [${names}] vs [${twin.map((p) => p.name)}]`,
        );
      }
      twin.forEach((p, i) => {
        expectEqual(
          p.value,
          (a[i] as Parameter).value,
          `two layers built from the same seed differ in "${p.name}"`,
        );
      });
    },
  });

  checks.push({
    name: `${label}: stateDict() copies round-trip through loadStateDict()`,
    run() {
      const source = build();
      const target = build(1000);
      const saved = source.stateDict();
      for (const p of source.parameters()) {
        const v = saved[p.name];
        if (v === undefined)
          fail(`stateDict() has no "${p.name}" (keys: ${Object.keys(saved).join(', ') || 'none'})`);
        expectEqual(v, p.value, `stateDict()["${p.name}"] differs from the parameter`);
        if (getEngine().overlapping(v.data, p.value.data))
          fail(`stateDict()["${p.name}"] shares memory with the parameter; return a copy`);
      }
      const targetTensors = target.parameters().map((p) => p.value);
      target.loadStateDict(saved);
      target.parameters().forEach((p, i) => {
        if (p.value !== targetTensors[i])
          fail(`loadStateDict replaced the tensor of "${p.name}"; copy into it instead`);
      });
      const reloaded = target.stateDict();
      expectSameState(reloaded, saved);
      const { x } = fixture(inputShapes[0] as Shape, 0);
      expectEqual(
        target.forward(x, context()),
        source.forward(x, context()),
        'a layer loaded from another one computes a different output',
      );
      for (const v of Object.values(saved)) v.data.fill(123);
      for (const p of source.parameters()) {
        if (p.value.data.length > 0 && p.value.data.every((v) => v === 123)) {
          fail(`writing into a saved state changed parameter "${p.name}"`);
        }
      }
    },
  });

  checks.push({
    name: `${label}: loadStateDict() rejects missing keys, unexpected keys and wrong shapes, changing nothing`,
    run() {
      const layer = build();
      const good = layer.stateDict();
      const before = layer.stateDict();
      const rejects = (state: TensorStateDict, mustMention: string, what: string): void => {
        let error: unknown;
        try {
          layer.loadStateDict(state);
        } catch (e) {
          error = e;
        }
        if (!(error instanceof Error)) fail(`loadStateDict accepted ${what}`);
        if (!error.message.includes(mustMention)) {
          fail(`loading ${what} threw "${error.message}", which does not name "${mustMention}"`);
        }
        expectSameState(
          layer.stateDict(),
          before,
          `a rejected loadStateDict (${what}) changed the layer`,
        );
      };
      rejects(
        {
          ...good,
          'no.such.key': firstValue(good) ?? normal(createRng(0), [1], 0, 1, { dtype: 'float64' }),
        },
        'no.such.key',
        'an unexpected key',
      );
      // Every key of a rejected state holds new values, so that a partial write would show.
      const changed = scaled(good);
      for (const key of Object.keys(good)) {
        const { [key]: _dropped, ...rest } = changed;
        rejects(rest, key, `a state without "${key}"`);
        const v = good[key] as Tensor;
        const wrong = normal(
          createRng(0),
          [...v.shape.slice(0, -1), (v.shape[v.rank - 1] ?? 1) + 1],
          0,
          1,
          { dtype: 'float64' },
        );
        rejects(
          { ...changed, [key]: wrong },
          key,
          `"${key}" with shape ${formatShape(wrong.shape)} instead of ${formatShape(v.shape)}`,
        );
      }
    },
  });

  checks.push({
    name: `${label}: backward before forward, or with a wrongly shaped gradient, throws an error naming the layer`,
    run() {
      const { x, r } = fixture(inputShapes[0] as Shape, 0);
      const fresh = build();
      expectThrows(() => fresh.backward(r), label, 'backward before any forward');
      const layer = build();
      const y = layer.forward(x, context());
      const bad = normal(
        createRng(0),
        [...y.shape.slice(0, -1), (y.shape[y.rank - 1] ?? 0) + 1],
        0,
        1,
        { dtype: 'float64' },
      );
      expectThrows(
        () => layer.backward(bad),
        label,
        `backward with a gradient of shape ${formatShape(bad.shape)} for an output of shape ${formatShape(y.shape)}`,
      );
    },
  });

  if (values !== undefined) {
    checks.push({
      name: `${label}: forward matches ${values.length} known value${values.length === 1 ? '' : 's'}`,
      run() {
        values.forEach((v, k) => {
          const layer = build();
          if (v.state !== undefined) layer.loadStateDict(v.state);
          const y = layer.forward(v.input, v.context ?? context());
          if (!shapesEqual(y.shape, v.output.shape)) {
            fail(
              `known value ${k}: output shape ${formatShape(y.shape)}, expected ${formatShape(v.output.shape)}`,
            );
          }
          for (let i = 0; i < y.size; i++) {
            const a = y.data[i] as number;
            const b = v.output.data[i] as number;
            if (!(Math.abs(a - b) <= valueTolerance * Math.max(1, Math.abs(b)))) {
              fail(`known value ${k}: output element ${i} is ${a}, expected ${b}`);
            }
          }
        });
      },
    });
  }
  checks.push(...bufferChecks(label, build, fixture, inputShapes, context));

  return checks;
}

/**
 * Non-trainable state (`buffers()`, e.g. BatchNorm's running statistics): the state dict holds
 * exactly the parameters and the buffers; buffers are never parameters, are the same tensors on
 * every call, are saved as copies and loaded in place; backward and an evaluation-mode forward
 * leave them alone. Layers without `buffers()` pass when their state dict is their parameters.
 */
function bufferChecks(
  label: string,
  build: (offset?: number) => Layer<'float64'>,
  fixture: (shape: Shape, k: number) => { x: Tensor<'float64'>; r: Tensor<'float64'> },
  inputShapes: readonly Shape[],
  context: () => ForwardContext,
): ContractCheck[] {
  const snapshot = (layer: Layer<'float64'>): Tensor[] =>
    (layer.buffers?.() ?? []).map((b) => b.value.clone());
  const unchanged = (layer: Layer<'float64'>, before: Tensor[], what: string): void => {
    (layer.buffers?.() ?? []).forEach((b, i) => {
      expectEqual(b.value, before[i] as Tensor, `${what} changed buffer "${b.name}"`);
    });
  };
  return [
    {
      name: `${label}: the state dict holds the parameters and the buffers (non-trainable state), and buffers are not parameters`,
      run() {
        const layer = build();
        const params = layer.parameters();
        const buffers = layer.buffers?.() ?? [];
        const again = layer.buffers?.() ?? [];
        const paramNames = new Set(params.map((p) => p.name));
        const seen = new Set<string>();
        buffers.forEach((b, i) => {
          if (typeof b.name !== 'string' || b.name === '') fail(`buffer ${i} has an empty name`);
          if (seen.has(b.name)) fail(`buffer name "${b.name}" appears twice`);
          seen.add(b.name);
          if (paramNames.has(b.name)) fail(`"${b.name}" is both a parameter and a buffer`);
          if (params.some((p) => p.value === b.value || p.grad === b.value)) {
            fail(`buffer "${b.name}" is a parameter's tensor; buffers must not be trained`);
          }
          if (again[i]?.name !== b.name || again[i]?.value !== b.value) {
            fail(`buffers() returned a different name or tensor for "${b.name}" on a second call`);
          }
        });
        const keys = Object.keys(layer.stateDict()).sort();
        const want = [...paramNames, ...seen].sort();
        if (keys.join('\n') !== want.join('\n')) {
          fail(
            `stateDict() has keys [${keys}] but the parameters and buffers are [${want}]; running statistics belong in buffers(), not parameters()`,
          );
        }
      },
    },
    {
      name: `${label}: buffers are saved as copies and loaded in place; backward and evaluation leave them unchanged`,
      run() {
        const source = build();
        const buffers = source.buffers?.() ?? [];
        if (buffers.length === 0) return; // nothing beyond the parameters' round trip
        const { x, r } = fixture(inputShapes[0] as Shape, 0);
        // A training-mode forward may move the buffers (running statistics).
        source.forward(x, { ...context(), training: true });
        const saved = source.stateDict();
        for (const b of buffers) {
          const v = saved[b.name];
          if (v === undefined) fail(`stateDict() has no buffer "${b.name}"`);
          expectEqual(v, b.value, `stateDict()["${b.name}"] differs from the buffer`);
          if (getEngine().overlapping(v.data, b.value.data))
            fail(`stateDict()["${b.name}"] shares memory with the buffer; return a copy`);
        }
        const target = build(1000);
        const tensors = (target.buffers?.() ?? []).map((b) => b.value);
        const changed = scaled(saved);
        target.loadStateDict(changed);
        (target.buffers?.() ?? []).forEach((b, i) => {
          if (b.value !== tensors[i])
            fail(`loadStateDict replaced the tensor of buffer "${b.name}"; copy into it instead`);
          expectEqual(b.value, changed[b.name] as Tensor, `loadStateDict did not load "${b.name}"`);
        });
        const before = snapshot(source);
        for (const v of Object.values(saved)) v.data.fill(123);
        unchanged(source, before, 'writing into a saved state');
        source.forward(x, { ...context(), training: false });
        unchanged(source, before, 'a forward with training: false');
        source.forward(x, context());
        const afterForward = snapshot(source);
        source.backward(r);
        unchanged(source, afterForward, 'backward');
      },
    },
  ];
}

/**
 * An input generator whose values keep at least `margin` away from 0 (|v| ≥ margin), for layers
 * with a kink there (ReLU, LeakyReLU): finite differences across a kink are meaningless.
 */
export function awayFromZero(margin = 0.05): (rng: Rng, shape: Shape) => Tensor<'float64'> {
  return (rng, shape) => {
    const x = normal(rng, shape, 0, 1, { dtype: 'float64' });
    for (let i = 0; i < x.size; i++) {
      const v = x.data[i] as number;
      x.data[i] = v < 0 ? v - margin : v + margin;
    }
    return x;
  };
}

function fail(message: string): never {
  throw new ContractError(message);
}

function dot(a: Tensor, b: Tensor): number {
  if (!shapesEqual(a.shape, b.shape)) {
    fail(
      `forward returned shape ${formatShape(a.shape)} but an earlier forward of the same input returned ${formatShape(b.shape)}`,
    );
  }
  let s = 0;
  for (let i = 0; i < a.size; i++) s += (a.data[i] as number) * (b.data[i] as number);
  return s;
}

function asFloat64(t: Tensor, what: string): Tensor<'float64'> {
  if (t.dtype !== 'float64')
    fail(`${what} is ${t.dtype}; the gradient checks need a float64 layer`);
  return t as Tensor<'float64'>;
}

function expectClose(result: ReturnType<typeof gradCheck>, what: string, tolerance: number): void {
  if (!(result.maxRelError < tolerance)) {
    fail(
      `gradient of ${what}: worst relative error ${result.maxRelError.toExponential(2)} (tolerance ${tolerance}) at [${result.worstIndex}]: analytic ${result.analytic}, finite differences ${result.numeric}`,
    );
  }
}

function expectEqual(actual: Tensor, expected: Tensor, message: string): void {
  if (!shapesEqual(actual.shape, expected.shape)) {
    fail(`${message}: shape ${formatShape(actual.shape)} vs ${formatShape(expected.shape)}`);
  }
  for (let i = 0; i < actual.size; i++) {
    if (!Object.is(actual.data[i], expected.data[i])) {
      fail(`${message}: element ${i} is ${actual.data[i]}, expected ${expected.data[i]}`);
    }
  }
}

function expectNear(actual: Tensor, expected: Tensor, rtol: number, message: string): void {
  if (!shapesEqual(actual.shape, expected.shape)) {
    fail(`${message}: shape ${formatShape(actual.shape)} vs ${formatShape(expected.shape)}`);
  }
  for (let i = 0; i < actual.size; i++) {
    const a = actual.data[i] as number;
    const e = expected.data[i] as number;
    if (!(Math.abs(a - e) <= rtol * Math.max(1, Math.abs(e))))
      fail(`${message}: element ${i} is ${a}, expected ${e}`);
  }
}

function expectSameState(
  actual: TensorStateDict,
  expected: TensorStateDict,
  message = 'state after loading',
): void {
  const ka = Object.keys(actual).sort();
  const ke = Object.keys(expected).sort();
  if (ka.join('\n') !== ke.join('\n')) fail(`${message}: keys [${ka}] vs [${ke}]`);
  for (const k of ke) expectEqual(actual[k] as Tensor, expected[k] as Tensor, `${message}: "${k}"`);
}

function expectThrows(fn: () => unknown, mustMention: string, what: string): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof Error)) fail(`${what} threw a non-Error: ${String(e)}`);
    if (!e.message.includes(mustMention))
      fail(`${what} threw "${e.message}", which does not name ${mustMention}`);
    return;
  }
  fail(`${what} did not throw`);
}

function firstValue(state: TensorStateDict): Tensor<FloatDType> | undefined {
  return Object.values(state)[0];
}

/** The same keys with every value doubled plus one (differs from the original everywhere). */
function scaled(state: TensorStateDict): TensorStateDict {
  const out: Record<string, Tensor<FloatDType>> = {};
  for (const [k, v] of Object.entries(state)) {
    const c = v.clone();
    for (let i = 0; i < c.size; i++) c.data[i] = 2 * (c.data[i] as number) + 1;
    out[k] = c;
  }
  return out;
}
