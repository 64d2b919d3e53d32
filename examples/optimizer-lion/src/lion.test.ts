import { loadOptimizerFactory } from '@nabla/optimizers';
import { optimizerConformance } from '@nabla/optimizers/testing';
import type { FloatDType, Parameter } from '@nabla/tensor';
import { createParameter, createRng, randomNormal, Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { createOptimizer } from './index.js';
import { Lion, type LionOptions } from './lion.js';

const SHAPES = [[5, 3], [3], []] as const;

function start(): number[][] {
  const rng = createRng(99);
  return SHAPES.map((s) =>
    Array.from({ length: s.reduce<number>((a, b) => a * b, 1) }, () => randomNormal(rng)),
  );
}

/** Step t's gradient at `theta`: a quadratic pull plus noise, exactly 0 for one element in four. */
function gradient(theta: readonly (readonly number[])[], t: number): number[][] {
  const rng = createRng(500 + t);
  let k = 0;
  return theta.map((values) =>
    values.map((x) => {
      const noise = randomNormal(rng);
      return (k++ + t) % 4 === 0 ? 0 : 0.7 * (x - 0.2) + 0.4 * noise;
    }),
  );
}

/** Lion as the paper writes it (Chen et al. 2023, Algorithm 2), in float64 over plain arrays. */
function lionReference(options: LionOptions, dtype: FloatDType, steps: number): number[][][] {
  const lr = options.lr ?? 1e-4;
  const [beta1, beta2] = options.betas ?? [0.9, 0.99];
  const lambda = options.weightDecay ?? 0;
  const round = (x: number) => (dtype === 'float32' ? Math.fround(x) : x);
  const theta = start().map((v) => v.map(round));
  const m = theta.map((v) => v.map(() => 0));
  const out: number[][][] = [];
  for (let t = 1; t <= steps; t++) {
    const g = gradient(theta, t).map((v) => v.map(round));
    theta.forEach((values, p) => {
      values.forEach((_, j) => {
        const c = beta1 * m[p]![j]! + (1 - beta1) * g[p]![j]!;
        theta[p]![j] = theta[p]![j]! - lr * (Math.sign(c) + lambda * theta[p]![j]!);
        m[p]![j] = beta2 * m[p]![j]! + (1 - beta2) * g[p]![j]!;
      });
    });
    out.push(theta.map((v) => v.slice()));
  }
  return out;
}

function runLion(options: LionOptions, dtype: FloatDType, steps: number): number[][][] {
  const params: Parameter[] = start().map((values, i) =>
    createParameter(
      `p${i}`,
      new Tensor(
        dtype,
        dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values),
        SHAPES[i] as readonly number[],
      ),
    ),
  );
  const optimizer = createOptimizer(params, options);
  const out: number[][][] = [];
  for (let t = 1; t <= steps; t++) {
    const g = gradient(
      params.map((p) => Array.from(p.value.data)),
      t,
    );
    params.forEach((p, i) => {
      p.grad.data.set(g[i]!);
    });
    optimizer.step();
    out.push(params.map((p) => Array.from(p.value.data)));
  }
  return out;
}

function worstRelative(actual: number[][][], expected: number[][][], floor: number): number {
  let worst = 0;
  expected.forEach((step, t) => {
    step.forEach((values, p) => {
      values.forEach((e, j) => {
        const a = actual[t]![p]![j]!;
        const rel = Math.abs(a - e) / Math.max(Math.abs(e), floor);
        worst = Math.max(worst, Number.isNaN(rel) ? Number.POSITIVE_INFINITY : rel);
      });
    });
  });
  return worst;
}

const CONFIGS: [string, LionOptions][] = [
  ['defaults', {}],
  [
    'lr 0.01, betas (0.95, 0.98), weight decay 0.1',
    { lr: 0.01, betas: [0.95, 0.98], weightDecay: 0.1 },
  ],
];

describe('Lion', () => {
  describe.each(CONFIGS)('%s', (_label, options) => {
    it("matches the paper's update over 100 steps in float64 (relative error < 1e-6)", () => {
      const expected = lionReference(options, 'float64', 100);
      const moved = Math.abs(expected[99]![0]![0]! - start()[0]![0]!);
      expect(moved).toBeGreaterThan(0.5 * 100 * (options.lr ?? 1e-4) * 0.1);
      expect(worstRelative(runLion(options, 'float64', 100), expected, 1e-12)).toBeLessThan(1e-6);
    });

    it('tracks the float64 reference with float32 parameters', () => {
      const expected = lionReference(options, 'float32', 100);
      expect(worstRelative(runLion(options, 'float32', 100), expected, 1)).toBeLessThan(1e-5);
    });

    describe('conformance (the suite every @nabla optimizer passes)', () => {
      for (const check of optimizerConformance((p, o) => new Lion(p, { ...options, ...o }))) {
        it(check.name, check.run);
      }
    });
  });

  it('leaves a parameter alone where the interpolated direction is exactly 0', () => {
    const p = createParameter('w', new Tensor('float64', Float64Array.of(1, 1), [2]));
    p.grad.data.set([0, -3]);
    createOptimizer([p], { lr: 0.5 }).step();
    expect(Array.from(p.value.data)).toEqual([1, 1.5]);
  });

  it('rejects a bad learning rate, betas outside [0, 1) and mismatched gradients', () => {
    const w = createParameter('w', new Tensor('float32', new Float32Array(4), [2, 2]));
    expect(() => new Lion([w], { lr: -1 })).toThrow(
      'Lion: learning rate must be a finite number >= 0, got -1',
    );
    expect(() => new Lion([w], { lr: Number.NaN })).toThrow(/got NaN/);
    expect(() => new Lion([w], { betas: [0.9, 1] })).toThrow(
      'Lion: betas[1] (beta2) must be a number in [0, 1), got 1',
    );
    expect(() => new Lion([w], { betas: [-0.1, 0.99] })).toThrow(/betas\[0\] \(beta1\)/);
    const bad = {
      name: 'bad',
      value: w.value,
      grad: new Tensor('float32', new Float32Array(4), [4]),
    };
    expect(() => new Lion([bad])).toThrow(
      'Lion: parameter "bad" (#0) has a float32 gradient of shape [4] but a float32 value of shape [2,2]',
    );
  });
});

describe('the swap', () => {
  // Imports the package by its name, as the demo's `--optimizer @nabla-examples/optimizer-lion`
  // does: this resolves to the built dist (turbo builds it before testing).
  it('loads by package name through @nabla/optimizers, like a built-in name', async () => {
    const byPackage = await loadOptimizerFactory('@nabla-examples/optimizer-lion', {
      importer: (specifier) => import(specifier),
    });
    const byName = await loadOptimizerFactory('adam');
    for (const factory of [byPackage, byName]) {
      const w = createParameter('w', new Tensor('float64', Float64Array.of(3, -2), [2]));
      const optimizer = factory([w], { lr: 0.05 });
      for (let t = 0; t < 200; t++) {
        w.grad.data[0] = (w.value.data[0] as number) - 1;
        w.grad.data[1] = (w.value.data[1] as number) - 1;
        optimizer.step();
      }
      expect(Math.abs((w.value.data[0] as number) - 1)).toBeLessThan(0.1);
      expect(Math.abs((w.value.data[1] as number) - 1)).toBeLessThan(0.1);
    }
    // The package entry (the built dist, as an app imports it) really is this Lion.
    const loaded = byPackage([
      createParameter('x', new Tensor('float32', new Float32Array(1), [1])),
    ]);
    expect(loaded.constructor.name).toBe('Lion');
    expect(loaded.stateDict().optimizer).toBe('Lion');
  });
});
