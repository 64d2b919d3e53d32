import type { FloatTensor, Parameter } from '@nabla/tensor';
import { createRng, normal, ShapeError, tensor, zeros } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { Dropout } from './dropout.js';
import type { BackwardOptions, ForwardContext, Layer, TensorStateDict } from './layer.js';
import { Linear } from './linear.js';
import { ReLU } from './relu.js';
import { Sequential } from './sequential.js';
import { Tanh } from './tanh.js';
import { layerContract } from './testing/index.js';

const evalCtx = { training: false };

describe('Sequential: contract', () => {
  for (const check of layerContract({
    create: (rng) =>
      new Sequential(
        new Linear(3, 5, { rng, dtype: 'float64' }),
        new Tanh(),
        new Linear(5, 4, { rng, dtype: 'float64' }),
        new ReLU(),
        new Linear(4, 2, { rng, dtype: 'float64' }),
      ),
    inputShapes: [
      [1, 3],
      [6, 3],
    ],
  })) {
    it(check.name, check.run);
  }
  for (const check of layerContract({
    create: (rng) =>
      new Sequential(
        new Sequential(new Linear(2, 3, { rng, dtype: 'float64' })),
        new Tanh(),
        new Sequential(
          new Linear(3, 3, { rng, dtype: 'float64' }),
          new Tanh(),
          new Linear(3, 2, { rng, dtype: 'float64' }),
        ),
      ),
    inputShapes: [[4, 2]],
  })) {
    it(`nested: ${check.name}`, check.run);
  }
});

describe('Sequential: parameters and state', () => {
  const mlp = (seed: number) => {
    const rng = createRng(seed);
    return new Sequential(new Linear(4, 3, { rng }), new ReLU(), new Linear(3, 2, { rng }));
  };

  it('names parameters <index>.<name> in layer order, over the layers’ own tensors', () => {
    const model = mlp(1);
    const params = model.parameters();
    expect(params.map((p) => p.name)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    const first = model.layers[0] as Linear;
    expect(params[0]?.value).toBe(first.weight.value);
    expect(params[0]?.grad).toBe(first.weight.grad);
  });

  it('nests names: 1.0.weight', () => {
    const rng = createRng(1);
    const model = new Sequential(
      new ReLU(),
      new Sequential(new Linear(2, 2, { rng }), new Linear(2, 1, { rng, bias: false })),
    );
    expect(model.parameters().map((p) => p.name)).toEqual(['1.0.weight', '1.0.bias', '1.1.weight']);
    expect(Object.keys(model.stateDict())).toEqual(['1.0.weight', '1.0.bias', '1.1.weight']);
  });

  it('round-trips a state dict into another model', () => {
    const a = mlp(1);
    const b = mlp(2);
    const x = normal(createRng(9), [5, 4]);
    expect(b.forward(x, evalCtx).toArray()).not.toEqual(a.forward(x, evalCtx).toArray());
    b.loadStateDict(a.stateDict());
    expect(b.forward(x, evalCtx).toArray()).toEqual(a.forward(x, evalCtx).toArray());
  });

  it('rejects a bad state with the full dotted key, and changes nothing', () => {
    const model = mlp(1);
    const before = model.stateDict();
    const other = mlp(2).stateDict();
    expect(() => model.loadStateDict({ ...other, '2.weight': zeros([2, 3]) })).toThrow(
      new ShapeError('Sequential.loadStateDict: "2.weight" has shape [2,3], expected [3,2]'),
    );
    const { '2.bias': _bias, ...missing } = other;
    expect(() => model.loadStateDict(missing)).toThrow(
      /Sequential\.loadStateDict: missing key "2\.bias" \(expected \[2\]\)/,
    );
    expect(() => model.loadStateDict({ ...other, '5.weight': zeros([1]) })).toThrow(
      /unexpected key "5\.weight"/,
    );
    expect(model.stateDict()).toEqual(before);
  });

  it('rolls back if a layer rejects its part after earlier layers loaded', () => {
    // A layer whose stateDict() claims no keys but whose loadStateDict refuses everything.
    const picky: Layer = {
      name: 'Picky',
      forward: (x) => x,
      backward: (g) => g,
      parameters: () => [],
      stateDict: () => ({}),
      loadStateDict: () => {
        throw new Error('Picky: no');
      },
    };
    const rng = createRng(1);
    const model = new Sequential(new Linear(2, 2, { rng }), picky);
    const before = model.stateDict();
    const other = new Sequential(new Linear(2, 2, { rng: createRng(2) }), new ReLU()).stateDict();
    expect(() => model.loadStateDict(other)).toThrow(
      'Sequential layer 1 (loadStateDict): Picky: no',
    );
    expect(model.stateDict()).toEqual(before);
  });
});

describe('Sequential: forward and backward', () => {
  class Recorder implements Layer {
    constructor(
      readonly name: string,
      private readonly log: string[],
    ) {}
    forward(x: FloatTensor, ctx: ForwardContext): FloatTensor {
      this.log.push(`forward ${this.name} training=${ctx.training}`);
      return x;
    }
    backward(g: FloatTensor, options?: BackwardOptions): FloatTensor {
      this.log.push(`backward ${this.name} accumulate=${options?.accumulate === true}`);
      return g;
    }
    parameters(): readonly Parameter[] {
      return [];
    }
    stateDict(): TensorStateDict {
      return {};
    }
    loadStateDict(): void {}
  }

  it('runs forward in order and backward in reverse, passing the context and options through', () => {
    const log: string[] = [];
    const model = new Sequential(
      new Recorder('a', log),
      new Recorder('b', log),
      new Recorder('c', log),
    );
    model.forward(zeros([1, 1]), { training: true, rng: createRng(0) });
    model.backward(zeros([1, 1]), { accumulate: true });
    expect(log).toEqual([
      'forward a training=true',
      'forward b training=true',
      'forward c training=true',
      'backward c accumulate=true',
      'backward b accumulate=true',
      'backward a accumulate=true',
    ]);
  });

  it('applies the paper chain: ∇X of the model is G W₂ᵀ masked by ReLU, then Wᵀ₁', () => {
    const model = new Sequential(
      new Linear(2, 2, { rng: createRng(0), dtype: 'float64' }),
      new ReLU(),
      new Linear(2, 1, { rng: createRng(0), dtype: 'float64' }),
    );
    model.loadStateDict({
      '0.weight': tensor(
        [
          [1, -1],
          [2, 1],
        ],
        'float64',
      ),
      '0.bias': tensor([0, 0], 'float64'),
      '2.weight': tensor([[3], [5]], 'float64'),
      '2.bias': tensor([1], 'float64'),
    });
    // x = [1, 1]: h = xW₁ = [3, 0]; ReLU keeps both (0 passes the gradient, as documented);
    // y = 3·3 + 0·5 + 1 = 10. With G = [1]: ∇h = [3, 5], ∇x = ∇h W₁ᵀ = [3 − 5, 6 + 5].
    expect(model.forward(tensor([[1, 1]], 'float64'), evalCtx).toArray()).toEqual([[10]]);
    expect(model.backward(tensor([[1]], 'float64')).toArray()).toEqual([[-2, 11]]);
    expect(model.parameters()[2]?.grad.toArray()).toEqual([[3], [0]]);
  });

  it('uses the training flag it is given: Dropout is active only in training', () => {
    const model = new Sequential(new Dropout(0.5));
    const x = tensor([[1, 1, 1, 1, 1, 1, 1, 1]]);
    expect(model.forward(x, evalCtx).toArray()).toEqual(x.toArray());
    const trained = Array.from(model.forward(x, { training: true, rng: createRng(1) }).data);
    expect(trained.every((v) => v === 0 || v === 2)).toBe(true);
    expect(trained).toContain(0);
  });

  it('prefixes errors with the position of the failing layer', () => {
    const rng = createRng(0);
    const model = new Sequential(new Linear(3, 6, { rng }), new ReLU(), new Linear(5, 4, { rng }));
    expect(() => model.forward(zeros([2, 3]), evalCtx)).toThrow(
      new ShapeError(
        'Sequential layer 2 (forward): Linear(5→4): expected input of shape [n,5], got [2,6]',
      ),
    );
    expect(() => new Sequential(new Linear(3, 2, { rng })).backward(zeros([2, 2]))).toThrow(
      'Sequential layer 0 (backward): Linear(3→2): backward called before forward',
    );
  });

  it('refuses the same layer instance twice, and things that are not layers', () => {
    const relu = new ReLU();
    expect(() => new Sequential(relu, new Tanh(), relu)).toThrow(
      'Sequential: the same ReLU instance is at positions 0 and 2',
    );
    expect(() => new Sequential({} as never)).toThrow('Sequential: argument 0 is not a layer');
  });

  it('allocates no new outputs or gradients once the batch shape is stable', () => {
    const rng = createRng(4);
    const model = new Sequential(new Linear(6, 5, { rng }), new ReLU(), new Linear(5, 3, { rng }));
    const x = normal(rng, [8, 6]);
    const g = normal(rng, [8, 3]);
    const ctx = { training: true, rng };
    const step = () => ({ y: model.forward(x, ctx), gx: model.backward(g) });
    const first = step();
    const grads = model.parameters().map((p) => p.grad);
    for (let i = 0; i < 3; i++) {
      const next = step();
      expect(next.y).toBe(first.y);
      expect(next.gx).toBe(first.gx);
    }
    model.parameters().forEach((p, i) => {
      expect(p.grad).toBe(grads[i]);
    });
  });

  it('returns a buffer the next forward overwrites: clone() what you keep', () => {
    const model = new Sequential(new Linear(2, 2, { rng: createRng(0) }));
    const y1 = model.forward(tensor([[1, 0]]), evalCtx);
    const kept = y1.clone();
    model.forward(tensor([[0, 1]]), evalCtx);
    expect(y1.toArray()).not.toEqual(kept.toArray());
  });

  it.each([
    ['Tanh', () => new Tanh(), [true, true, false]],
    // Fused: the second Linear's backward also runs the ReLU's (backwardThroughRelu).
    ['ReLU (fused)', () => new ReLU(), [true, false]],
  ] as const)(
    'inputGrad: false reaches only the first layer and leaves every parameter gradient the same (%s)',
    (_name, activation, expected) => {
      const build = () => {
        const rng = createRng(11);
        return new Sequential(new Linear(4, 3, { rng }), activation(), new Linear(3, 2, { rng }));
      };
      const x = normal(createRng(12), [5, 4]);
      const g = normal(createRng(13), [5, 2]);
      const full = build();
      full.forward(x, evalCtx);
      full.backward(g);
      const lean = build();
      const seen: (boolean | undefined)[] = [];
      for (const layer of lean.layers) {
        const original = layer.backward.bind(layer);
        layer.backward = (grad, options) => {
          seen.push(options?.inputGrad);
          return original(grad, options);
        };
        if (layer instanceof Linear) {
          const through = layer.backwardThroughRelu.bind(layer);
          layer.backwardThroughRelu = (grad, relu, options) => {
            seen.push(options?.inputGrad);
            return through(grad, relu, options);
          };
        }
      }
      lean.forward(x, evalCtx);
      lean.backward(g, { inputGrad: false });
      expect(seen).toEqual(expected);
      lean.parameters().forEach((p, i) => {
        expect(Array.from(p.grad.data)).toEqual(Array.from(full.parameters()[i]!.grad.data));
      });
    },
  );
});
