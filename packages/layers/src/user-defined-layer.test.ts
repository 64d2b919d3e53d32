// Plays the part of a user: a layer written outside the package, with nothing but the public
// API (`@nabla/layers`, `@nabla/layers/testing`, `@nabla/tensor`), that passes the contract
// suite and trains inside a Sequential next to the built-in layers.
import type { BackwardOptions, ForwardContext, Layer, TensorStateDict } from '@nabla/layers';
import { Linear, loadParameterState, parameterStateDict, Sequential, Tanh } from '@nabla/layers';
import { layerContract } from '@nabla/layers/testing';
import type { FloatDType, Parameter, Tensor } from '@nabla/tensor';
import {
  createParameter,
  createRng,
  formatShape,
  full,
  ReusableBuffer,
  ShapeError,
  uniform,
  zeros,
} from '@nabla/tensor';
import { describe, expect, it } from 'vitest';

/** y = x ∘ γ + β per feature, with γ starting at 1 and β at 0. */
class FeatureScale<D extends FloatDType = 'float32'> implements Layer<D> {
  readonly name: string;
  private readonly gamma: Parameter<D>;
  private readonly beta: Parameter<D>;
  private input: Tensor<D> | undefined;
  private readonly out = new ReusableBuffer();
  private readonly gradIn = new ReusableBuffer();

  constructor(
    private readonly features: number,
    dtype: D = 'float32' as D,
  ) {
    this.name = `FeatureScale(${features})`;
    this.gamma = createParameter('gamma', full([features], 1, dtype));
    this.beta = createParameter('beta', zeros([features], dtype));
  }

  forward(x: Tensor<D>, _ctx: ForwardContext): Tensor<D> {
    if (x.rank !== 2 || x.shape[1] !== this.features) {
      throw new ShapeError(
        `${this.name}: expected [n,${this.features}], got ${formatShape(x.shape)}`,
      );
    }
    const y = this.out.like(x);
    const f = this.features;
    for (let i = 0; i < x.size; i++) {
      const j = i % f;
      y.data[i] =
        (x.data[i] as number) * (this.gamma.value.data[j] as number) +
        (this.beta.value.data[j] as number);
    }
    this.input = x;
    return y;
  }

  backward(gradOut: Tensor<D>, options: BackwardOptions = {}): Tensor<D> {
    const x = this.input;
    if (x === undefined) throw new Error(`${this.name}: backward called before forward`);
    if (gradOut.size !== x.size || gradOut.rank !== 2) {
      throw new ShapeError(
        `${this.name}: gradient ${formatShape(gradOut.shape)} for output ${formatShape(x.shape)}`,
      );
    }
    const f = this.features;
    const dGamma = this.gamma.grad.data;
    const dBeta = this.beta.grad.data;
    if (!options.accumulate) {
      dGamma.fill(0);
      dBeta.fill(0);
    }
    const gx = this.gradIn.like(x);
    for (let i = 0; i < x.size; i++) {
      const j = i % f;
      const g = gradOut.data[i] as number;
      dGamma[j] = (dGamma[j] as number) + g * (x.data[i] as number);
      dBeta[j] = (dBeta[j] as number) + g;
      gx.data[i] = g * (this.gamma.value.data[j] as number);
    }
    return gx;
  }

  parameters(): readonly Parameter<D>[] {
    return [this.gamma, this.beta];
  }

  stateDict(): TensorStateDict<D> {
    return parameterStateDict(this.parameters());
  }

  loadStateDict(state: TensorStateDict): void {
    loadParameterState(this.name, this.parameters(), state);
  }
}

describe('a user-defined layer', () => {
  for (const check of layerContract({
    create: (rng) => {
      const layer = new FeatureScale(3, 'float64');
      // Random γ and β, so the gradient checks do not run at the special point γ = 1, β = 0.
      layer.loadStateDict({
        gamma: uniform(rng, [3], 0.5, 2, { dtype: 'float64' }),
        beta: uniform(rng, [3], -1, 1, { dtype: 'float64' }),
      });
      return layer;
    },
    inputShapes: [
      [1, 3],
      [5, 3],
    ],
  })) {
    it(`passes the contract suite: ${check.name}`, check.run);
  }

  it('trains inside a Sequential with the built-in layers', () => {
    const rng = createRng(2024);
    const model = new Sequential(
      new Linear(2, 16, { rng, init: 'glorot' }),
      new Tanh(),
      new FeatureScale(16),
      new Linear(16, 1, { rng, init: 'glorot' }),
    );
    expect(model.parameters().map((p) => p.name)).toEqual([
      '0.weight',
      '0.bias',
      '2.gamma',
      '2.beta',
      '3.weight',
      '3.bias',
    ]);

    // Regression target y = x₁·x₂ + sin(2x₁) on 64 fixed points.
    const n = 64;
    const x = uniform(rng, [n, 2], -1, 1);
    const y = zeros([n, 1]);
    for (let i = 0; i < n; i++) {
      const a = x.data[2 * i] as number;
      const b = x.data[2 * i + 1] as number;
      y.data[i] = a * b + Math.sin(2 * a);
    }
    const grad = zeros([n, 1]);
    const mseStep = (): number => {
      const pred = model.forward(x, { training: true, rng });
      let loss = 0;
      for (let i = 0; i < n; i++) {
        const d = (pred.data[i] as number) - (y.data[i] as number);
        loss += (d * d) / n;
        grad.data[i] = (2 * d) / n;
      }
      model.backward(grad);
      for (const p of model.parameters()) {
        for (let k = 0; k < p.value.size; k++)
          p.value.data[k] = (p.value.data[k] as number) - 0.2 * (p.grad.data[k] as number);
      }
      return loss;
    };

    const initial = mseStep();
    let last = initial;
    for (let step = 0; step < 400; step++) last = mseStep();
    expect(last).toBeLessThan(initial / 10);
    const gamma = model.parameters()[2] as Parameter;
    expect(Array.from(gamma.value.data).some((v) => Math.abs(v - 1) > 1e-3)).toBe(true);
  });
});
