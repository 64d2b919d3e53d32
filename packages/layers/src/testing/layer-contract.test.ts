import type { FloatArray, Parameter, Tensor } from '@nabla/tensor';
import { createParameter, type createRng, tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { ElementwiseActivation } from '../elementwise-activation.js';
import type { BackwardOptions, ForwardContext, TensorStateDict } from '../layer.js';
import { Linear } from '../linear.js';
import { ContractError, runChecks } from './index.js';
import { layerContract } from './layer-contract.js';

// The suite must catch broken layers, not only pass good ones: each variant below breaks one
// rule of the contract, and the matching check has to fail on it.

type L = Linear<'float64'>;
const make = <T extends L>(Ctor: new (rng: ReturnType<typeof createRng>) => T) =>
  layerContract({
    create: (rng) => new Ctor(rng),
    inputShapes: [
      [2, 3],
      [4, 3],
    ],
  });

class Good extends Linear<'float64'> {
  constructor(rng: ReturnType<typeof createRng>) {
    super(3, 2, { rng, dtype: 'float64' });
  }
}

class WrongInputGradient extends Good {
  override backward(g: Tensor<'float64'>, o?: BackwardOptions): Tensor<'float64'> {
    const gx = super.backward(g, o);
    gx.data[0] = (gx.data[0] as number) * 1.001;
    return gx;
  }
}

class WrongBiasGradient extends Good {
  override backward(g: Tensor<'float64'>, o?: BackwardOptions): Tensor<'float64'> {
    const gx = super.backward(g, o);
    if (this.bias) this.bias.grad.data[1] = 0;
    return gx;
  }
}

class MutatesGradient extends Good {
  override backward(g: Tensor<'float64'>, o?: BackwardOptions): Tensor<'float64'> {
    const gx = super.backward(g, o);
    g.data[0] = 0; // what the paper's ReLU does to the caller's tensor
    return gx;
  }
}

class IgnoresAccumulate extends Good {
  override backward(g: Tensor<'float64'>): Tensor<'float64'> {
    return super.backward(g);
  }
}

class AlwaysAccumulates extends Good {
  override backward(g: Tensor<'float64'>): Tensor<'float64'> {
    return super.backward(g, { accumulate: true });
  }
}

class AliasingStateDict extends Good {
  override stateDict(): TensorStateDict<'float64'> {
    return Object.fromEntries(this.parameters().map((p) => [p.name, p.value]));
  }
}

class LenientLoad extends Good {
  override loadStateDict(state: TensorStateDict): void {
    for (const p of this.parameters()) {
      const v = state[p.name];
      if (v && v.size === p.value.size) p.value.data.set(v.data);
    }
  }
}

class IgnoresMissingKeys extends Good {
  override loadStateDict(state: TensorStateDict): void {
    const names = this.parameters().map((p) => p.name);
    for (const key of Object.keys(state))
      if (!names.includes(key)) throw new Error(`unexpected key "${key}"`);
    for (const p of this.parameters()) {
      const v = state[p.name];
      if (v) p.value.data.set(v.data);
    }
  }
}

class FreshParameters extends Good {
  override parameters(): readonly Parameter<'float64'>[] {
    return super.parameters().map((p) => createParameter(p.name, p.value));
  }
}

class SilentBackward extends Good {
  private seen = false;
  override forward(x: Tensor<'float64'>, ctx: ForwardContext): Tensor<'float64'> {
    this.seen = true;
    return super.forward(x, ctx);
  }
  override backward(g: Tensor<'float64'>, o?: BackwardOptions): Tensor<'float64'> {
    if (!this.seen) return g;
    return super.backward(g, o);
  }
}

const failing = (checks: ReturnType<typeof make>, fragment: string) => {
  const check = checks.find((c) => c.name.includes(fragment));
  if (!check) throw new Error(`no check named like "${fragment}"`);
  return check;
};

describe('layerContract catches broken layers', () => {
  it('passes a correct layer', () => {
    expect(() => runChecks(make(Good))).not.toThrow();
  });

  const cases: [string, new (rng: ReturnType<typeof createRng>) => L, string, RegExp][] = [
    [
      'a wrong input gradient',
      WrongInputGradient,
      'gradients match',
      /gradient of the input: worst relative error/,
    ],
    ['a wrong bias gradient', WrongBiasGradient, 'gradients match', /gradient of parameter "bias"/],
    [
      'a backward that writes into the incoming gradient',
      MutatesGradient,
      'unchanged',
      /changed the incoming gradient/,
    ],
    [
      'a backward that ignores accumulate',
      IgnoresAccumulate,
      'accumulate',
      /did not add into the gradient of "weight"/,
    ],
    [
      'a backward that always accumulates',
      AlwaysAccumulates,
      'accumulate',
      /did not overwrite the gradient of "weight"/,
    ],
    [
      'a stateDict that returns the live tensors',
      AliasingStateDict,
      'round-trip',
      /shares memory with the parameter/,
    ],
    [
      'a loadStateDict that ignores bad keys',
      LenientLoad,
      'rejects',
      /loadStateDict accepted an unexpected key/,
    ],
    [
      'a loadStateDict that ignores missing keys',
      IgnoresMissingKeys,
      'rejects',
      /accepted a state without "weight"/,
    ],
    [
      'parameters() that returns new gradient buffers',
      FreshParameters,
      'stable',
      /returned new tensors for "weight"/,
    ],
    [
      'a backward that works without a forward',
      SilentBackward,
      'before forward',
      /backward before any forward did not throw/,
    ],
  ];
  for (const [what, Ctor, check, message] of cases) {
    it(`fails ${what}`, () => {
      const run = failing(make(Ctor), check).run;
      expect(run).toThrow(ContractError);
      expect(run).toThrow(message);
    });
  }

  it('runChecks names the failing check', () => {
    expect(() => runChecks(make(IgnoresAccumulate))).toThrow(
      /overwrites parameter gradients.*: backward with accumulate: true did not add/,
    );
  });
});

/**
 * GELU (tanh approximation), written as a user would with the public `ElementwiseActivation`.
 * `scale` 2 doubles the forward and the backward together: a wrong formula whose gradient
 * matches it, which only the known values catch.
 */
class Gelu extends ElementwiseActivation<'float64'> {
  readonly name = 'GELU';
  protected readonly saves = 'input';
  constructor(private readonly scale = 1) {
    super();
  }
  protected forwardElements(x: FloatArray, y: FloatArray): void {
    for (let i = 0; i < x.length; i++) {
      const v = x[i] as number;
      y[i] = this.scale * 0.5 * v * (1 + Math.tanh(GELU_C * (v + 0.044715 * v ** 3)));
    }
  }
  protected backwardElements(x: FloatArray, g: FloatArray, gx: FloatArray): void {
    for (let i = 0; i < x.length; i++) {
      const v = x[i] as number;
      const t = Math.tanh(GELU_C * (v + 0.044715 * v ** 3));
      const dt = (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * v * v);
      gx[i] = (g[i] as number) * this.scale * (0.5 * (1 + t) + 0.5 * v * dt);
    }
  }
}
const GELU_C = Math.sqrt(2 / Math.PI);

describe('layerContract: known values', () => {
  const gelu = (scale: number) =>
    layerContract({
      create: () => new Gelu(scale),
      inputShapes: [
        [2, 3],
        [4, 2],
      ],
      // Published values of the tanh approximation: GELU(1) ≈ 0.841192, GELU(−1) ≈ −0.158808,
      // GELU(2) ≈ 1.954598, GELU(0) = 0.
      values: [
        {
          input: tensor([[0, 1, -1, 2]], 'float64'),
          output: tensor([[0, 0.8411919906, -0.1588080094, 1.9545976941]], 'float64'),
        },
      ],
    });

  it('passes a correct GELU', () => {
    expect(() => runChecks(gelu(1))).not.toThrow();
  });

  it('fails a GELU whose forward and backward are both doubled', () => {
    const checks = gelu(2);
    // Every other check passes: backward is the right derivative of the wrong forward.
    for (const c of checks.filter((k) => !k.name.includes('known value'))) {
      expect(c.run, c.name).not.toThrow();
    }
    const oracle = checks.find((k) => k.name.includes('known value'));
    expect(oracle?.run).toThrow(
      /known value 0: output element 1 is 1.68238\d*, expected 0.8411919906/,
    );
  });

  it('loads the given state before the forward', () => {
    const checks = layerContract({
      create: (rng) => new Linear(2, 1, { rng, dtype: 'float64' }),
      inputShapes: [[1, 2]],
      values: [
        {
          state: { weight: tensor([[2], [3]], 'float64'), bias: tensor([1], 'float64') },
          input: tensor([[1, 1]], 'float64'),
          output: tensor([[6]], 'float64'), // 1·2 + 1·3 + 1
        },
      ],
    });
    expect(() => runChecks(checks)).not.toThrow();
  });

  it('refuses an empty list of known values', () => {
    expect(() =>
      layerContract({ create: () => new Gelu(), inputShapes: [[1, 2]], values: [] }),
    ).toThrow(/`values` is empty/);
  });
});
