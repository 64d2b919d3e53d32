import type { FloatDType, Rng, Shape, Tensor } from '@nabla/tensor';
import { createRng, formatShape, getEngine, normal, shapesEqual } from '@nabla/tensor';
import { type ContractCheck, ContractError, gradCheck } from '@nabla/tensor/testing';
import type { Loss, LossOutput } from '../loss.js';

/** One known value of a loss: for this input and target, this loss (and gradient). */
export interface LossValue<T> {
  /** The input (float64), e.g. `tensor([[0, 1]], 'float64')`. */
  input: Tensor<'float64'>;
  target: T;
  /** The expected loss, worked out independently (by hand, or with another library). */
  loss: number;
  /** The expected gradient, if known. */
  grad?: Tensor<'float64'> | undefined;
}

/** What `lossContract` checks a loss with: how to build it, the input shapes, targets, known values and tolerances. */
export interface LossContractOptions<T> {
  /** Builds the loss under test (called several times). */
  create(): Loss<T>;
  /** Input shapes to check, e.g. `[[1, 3], [4, 5]]` (use several batch sizes). */
  inputShapes: readonly Shape[];
  /** Builds a valid target for an input of `shape`. */
  target(rng: Rng, shape: Shape): T;
  /** Builds a float64 input of `shape` (default: normal with standard deviation 2). */
  input?: ((rng: Rng, shape: Shape) => Tensor<'float64'>) | undefined;
  /** The worst relative error the gradient check accepts (default 1e-6). */
  tolerance?: number | undefined;
  /** Finite-difference step (default 1e-5) and relative-error floor (default 1e-4), see gradCheck. */
  eps?: number | undefined;
  minScale?: number | undefined;
  /** Seed of every generator the suite uses (default 1). */
  seed?: number | undefined;
  /**
   * A few known input → loss values (a value oracle). The gradient check only proves that the
   * gradient matches the loss as written; a wrong formula whose gradient matches it (a sum
   * instead of a mean, a factor of 2 in both) passes every other check. Give at least one.
   */
  values?: readonly LossValue<T>[] | undefined;
  /** Relative tolerance of the known values (default 1e-6, absolute below 1). */
  valueTolerance?: number | undefined;
}

/**
 * The contract every loss must meet, as a list of checks (run them with any test framework):
 *
 * - the gradient matches central finite differences of the loss in float64 (worst relative
 *   error below `tolerance`) for every input shape;
 * - the loss is a finite number, the gradient has the input's shape and dtype and does not share
 *   its memory, and the same call gives the same result twice;
 * - the input and the target are unchanged afterwards;
 * - it computes in float32 as well, close to the float64 result;
 * - it matches the known `values`, when given (the only check that catches a self-consistent
 *   wrong formula);
 * - it rejects bad input with an error naming the loss, rather than returning NaN: a NaN or an
 *   infinite input element, an int32 input, and an input whose batch size differs from the
 *   target's.
 *
 * @example
 * for (const check of lossContract({ create: () => new MeanSquaredError(), inputShapes: [[2, 3]], target: (rng, s) => normal(rng, s) }))
 *   it(check.name, check.run);
 */
export function lossContract<T>(options: LossContractOptions<T>): ContractCheck[] {
  const {
    create,
    inputShapes,
    target: makeTarget,
    input: makeInput = (rng: Rng, shape: Shape) => normal(rng, shape, 0, 2, { dtype: 'float64' }),
    tolerance = 1e-6,
    eps = 1e-5,
    minScale = 1e-4,
    seed = 1,
    values,
    valueTolerance = 1e-6,
  } = options;
  if (inputShapes.length === 0)
    throw new ContractError('lossContract: give at least one input shape');
  if (values !== undefined && values.length === 0)
    throw new ContractError('lossContract: `values` is empty; give at least one known value');
  const fixture = (shape: Shape, k: number): { x: Tensor<'float64'>; t: T } => {
    const rng = createRng(seed * 7919 + k);
    return { x: makeInput(rng, shape), t: makeTarget(rng, shape) };
  };
  const label = create().name;
  const checks: ContractCheck[] = [];

  inputShapes.forEach((shape, k) => {
    checks.push({
      name: `${label}: gradient matches finite differences (input ${formatShape(shape)})`,
      run() {
        const { x, t } = fixture(shape, k);
        const loss = create();
        const { grad } = loss.compute(x, t);
        checkGradShape(grad, x);
        const analytic = grad.clone();
        const r = gradCheck(() => loss.compute(x, t).loss, x, analytic as Tensor<'float64'>, {
          eps,
          minScale,
        });
        if (!(r.maxRelError < tolerance)) {
          fail(
            `worst relative error ${r.maxRelError.toExponential(2)} (tolerance ${tolerance}) at [${r.worstIndex}]: analytic ${r.analytic}, finite differences ${r.numeric}`,
          );
        }
      },
    });
  });

  checks.push({
    name: `${label}: returns a finite loss and a gradient shaped like the input, repeatably`,
    run() {
      inputShapes.forEach((shape, k) => {
        const { x, t } = fixture(shape, k);
        const loss = create();
        const a = snapshot(loss.compute(x, t));
        if (typeof a.loss !== 'number' || !Number.isFinite(a.loss))
          fail(`loss is ${String(a.loss)} for input ${formatShape(shape)}`);
        checkGradShape(a.grad, x);
        const live = loss.compute(x, t);
        if (getEngine().overlapping(live.grad.data, x.data))
          fail('the gradient shares memory with the input');
        if (live.loss !== a.loss) fail(`the same call gave loss ${a.loss} then ${live.loss}`);
        expectEqual(live.grad, a.grad, 'the same call gave a different gradient');
      });
    },
  });

  checks.push({
    name: `${label}: leaves the input and the target unchanged`,
    run() {
      inputShapes.forEach((shape, k) => {
        const { x, t } = fixture(shape, k);
        const xCopy = x.clone();
        const tCopy = isTensor(t) ? t.clone() : undefined;
        const loss = create();
        loss.compute(x, t);
        loss.compute(x, t);
        expectEqual(x, xCopy, `compute changed the input ${formatShape(shape)}`);
        if (isTensor(t) && tCopy)
          expectEqual(t, tCopy, `compute changed the target ${formatShape(t.shape)}`);
      });
    },
  });

  checks.push({
    name: `${label}: computes in float32 too, close to float64`,
    run() {
      const shape = inputShapes[inputShapes.length - 1] as Shape;
      const { x, t } = fixture(shape, inputShapes.length - 1);
      const r64 = snapshot(create().compute(x, t));
      const x32 = x.astype('float32');
      const r32 = create().compute(x32, t);
      checkGradShape(r32.grad, x32);
      if (!(Math.abs(r32.loss - r64.loss) <= 1e-4 * Math.max(1, Math.abs(r64.loss)))) {
        fail(`float32 loss ${r32.loss} vs float64 loss ${r64.loss}`);
      }
      for (let i = 0; i < x.size; i++) {
        const a = r32.grad.data[i] as number;
        const b = r64.grad.data[i] as number;
        if (!(Math.abs(a - b) <= 1e-4 * Math.max(1e-2, Math.abs(b))))
          fail(`float32 gradient element ${i} is ${a}, float64 gives ${b}`);
      }
    },
  });

  if (values !== undefined) {
    checks.push({
      name: `${label}: matches ${values.length} known value${values.length === 1 ? '' : 's'}`,
      run() {
        values.forEach((v, k) => {
          const out = create().compute(v.input, v.target);
          if (!close(out.loss, v.loss, valueTolerance)) {
            fail(`known value ${k}: loss ${out.loss}, expected ${v.loss}`);
          }
          if (v.grad !== undefined) {
            checkGradShape(out.grad, v.grad);
            for (let i = 0; i < v.grad.size; i++) {
              const a = out.grad.data[i] as number;
              const b = v.grad.data[i] as number;
              if (!close(a, b, valueTolerance))
                fail(`known value ${k}: gradient element ${i} is ${a}, expected ${b}`);
            }
          }
        });
      },
    });
  }

  checks.push({
    name: `${label}: rejects NaN, infinite, int32 and wrongly shaped input, naming the loss`,
    run() {
      const shape = inputShapes[0] as Shape;
      const { x, t } = fixture(shape, 0);
      const rejects = (what: string, input: Tensor, target: T): void => {
        let result: LossOutput<FloatDType> | undefined;
        try {
          result = create().compute(input as Tensor<'float64'>, target);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          if (!message.includes(label))
            fail(`the error for ${what} does not name the loss "${label}": ${message}`);
          return;
        }
        fail(`${what} was accepted (loss ${result.loss}) instead of throwing`);
      };
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
        const input = x.clone();
        input.data[input.size - 1] = bad;
        rejects(`an input holding ${bad}`, input, t);
      }
      rejects('an int32 input', x.astype('int32'), t);
      const [rows = 1, ...rest] = shape;
      const taller = makeInput(createRng(seed), [rows + 1, ...rest]);
      rejects(
        `an input of shape ${formatShape(taller.shape)} for a target made for ${formatShape(shape)}`,
        taller,
        t,
      );
    },
  });

  return checks;
}

/** |a − b| ≤ tolerance · max(1, |b|). */
function close(a: number, b: number, tolerance: number): boolean {
  return Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b));
}

function fail(message: string): never {
  throw new ContractError(message);
}

function snapshot<D extends FloatDType>(out: LossOutput<D>): LossOutput<D> {
  return { loss: out.loss, grad: out.grad.clone() };
}

function checkGradShape(grad: Tensor, x: Tensor): void {
  if (grad === null || typeof grad !== 'object' || !shapesEqual(grad.shape, x.shape)) {
    fail(
      `gradient has shape ${grad ? formatShape(grad.shape) : String(grad)}, expected the input's ${formatShape(x.shape)}`,
    );
  }
  if (grad.dtype !== x.dtype) fail(`gradient is ${grad.dtype} for a ${x.dtype} input`);
}

function isTensor(v: unknown): v is Tensor {
  return (
    typeof v === 'object' &&
    v !== null &&
    'dtype' in v &&
    'shape' in v &&
    'data' in v &&
    'clone' in v
  );
}

function expectEqual(actual: Tensor, expected: Tensor, message: string): void {
  if (!shapesEqual(actual.shape, expected.shape))
    fail(`${message}: shape ${formatShape(actual.shape)} vs ${formatShape(expected.shape)}`);
  for (let i = 0; i < actual.size; i++) {
    if (!Object.is(actual.data[i], expected.data[i]))
      fail(`${message}: element ${i} is ${actual.data[i]}, expected ${expected.data[i]}`);
  }
}
