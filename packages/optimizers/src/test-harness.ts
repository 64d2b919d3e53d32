/**
 * Shared fixture for the optimizer reference tests (`*.test.ts` only; not part of the package's
 * API). It runs an optimizer and an independent float64 reference of the documented update rule
 * side by side on the same parameters and the same gradient function, and measures how far apart
 * the two trajectories get.
 */
import type { FloatDType, Optimizer, Parameter } from '@nabla/tensor';
import { createParameter, createRng, randomNormal, Tensor } from '@nabla/tensor';

/** One step of a reference rule: update `theta` in place from `grad`; `t` is 1-based. */
export type ReferenceStep = (theta: number[][], grad: readonly number[][], t: number) => void;

export const NAMES = ['layer.weight', 'layer.bias', 'scale'] as const;
export const SHAPES: readonly (readonly number[])[] = [[4, 3], [3], []];

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The fixed starting values (a seeded normal draw, scaled). */
export function initialValues(): number[][] {
  const rng = createRng(2024);
  return SHAPES.map((s) => Array.from({ length: size(s) }, () => 1.5 * randomNormal(rng)));
}

/**
 * The fixed gradient of step `t` at values `theta`: the gradient of a quadratic bowl with a
 * different curvature per element, plus step-dependent noise and, for one element in five, an
 * exact zero (to exercise rules around g = 0).
 */
export function gradientAt(theta: readonly (readonly number[])[], t: number): number[][] {
  const rng = createRng(1000 + t);
  let k = 0;
  return theta.map((values) =>
    values.map((x) => {
      const noise = randomNormal(rng);
      const i = k++;
      if ((i + t) % 5 === 0) return 0;
      const curvature = 0.2 + 0.3 * (i % 4);
      return curvature * (x - 0.1 * (i % 3)) + 0.3 * noise;
    }),
  );
}

function round(dtype: FloatDType, x: number): number {
  return dtype === 'float32' ? Math.fround(x) : x;
}

/** Runs `steps` steps of an optimizer; returns the values after every step. */
export function runOptimizer(
  make: (parameters: Parameter[]) => Optimizer,
  dtype: FloatDType,
  steps = 100,
): number[][][] {
  const params = initialValues().map((values, i) => {
    const data = dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
    return createParameter(NAMES[i] as string, new Tensor(dtype, data, SHAPES[i] as number[]));
  });
  const optimizer = make(params);
  const trajectory: number[][][] = [];
  for (let t = 1; t <= steps; t++) {
    const grad = gradientAt(
      params.map((p) => Array.from(p.value.data)),
      t,
    );
    params.forEach((p, i) => {
      p.grad.data.set(grad[i] as number[]);
    });
    optimizer.step();
    trajectory.push(params.map((p) => Array.from(p.value.data)));
  }
  return trajectory;
}

/**
 * Runs `steps` steps of a reference rule in float64. With `dtype` float32 the starting values and
 * each gradient are first rounded to float32, as the optimizer under test receives them.
 */
export function runReference(
  step: ReferenceStep,
  dtype: FloatDType = 'float64',
  steps = 100,
): number[][][] {
  const theta = initialValues().map((values) => values.map((x) => round(dtype, x)));
  const trajectory: number[][][] = [];
  for (let t = 1; t <= steps; t++) {
    const grad = gradientAt(theta, t).map((g) => g.map((x) => round(dtype, x)));
    step(theta, grad, t);
    trajectory.push(theta.map((values) => values.slice()));
  }
  return trajectory;
}

export interface TrajectoryError {
  /** The largest |actual − expected| / max(|expected|, floor) over every step and element. */
  relative: number;
  /** The largest |actual − expected|. */
  absolute: number;
  where: string;
}

/** How far two trajectories are apart (NaN anywhere counts as infinitely far). */
export function trajectoryError(
  actual: number[][][],
  expected: number[][][],
  floor = 1e-12,
): TrajectoryError {
  let relative = 0;
  let absolute = 0;
  let where = 'nowhere';
  expected.forEach((params, t) => {
    params.forEach((values, p) => {
      values.forEach((e, j) => {
        const a = actual[t]?.[p]?.[j] ?? Number.NaN;
        const abs = Math.abs(a - e);
        const rel = abs / Math.max(Math.abs(e), floor);
        const bad = Number.isNaN(rel) ? Number.POSITIVE_INFINITY : rel;
        if (bad > relative) {
          relative = bad;
          where = `step ${t + 1}, ${NAMES[p]}[${j}]: ${a} vs ${e}`;
        }
        absolute = Math.max(absolute, Number.isNaN(abs) ? Number.POSITIVE_INFINITY : abs);
      });
    });
  });
  return { relative, absolute, where };
}

/** The element-wise largest change between the start and the end of a trajectory (for sanity). */
export function totalMovement(trajectory: number[][][]): number {
  const start = initialValues();
  const end = trajectory[trajectory.length - 1] ?? start;
  let most = 0;
  end.forEach((values, p) => {
    values.forEach((x, j) => {
      most = Math.max(most, Math.abs(x - (start[p]?.[j] ?? 0)));
    });
  });
  return most;
}
