import type { Parameter, Tensor } from '@nabla/tensor';
import { createParameter, type createRng } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
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
