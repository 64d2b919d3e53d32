import { createRng, ShapeError, tensor, zeros } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { Linear } from './linear.js';
import { layerContract } from './testing/index.js';

const evalCtx = { training: false };

describe('Linear: contract', () => {
  for (const check of layerContract({
    create: (rng) => new Linear(3, 4, { rng, dtype: 'float64' }),
    inputShapes: [
      [1, 3],
      [5, 3],
    ],
    // [1, 2, 3]·W + b with W = [[1, 0, 0, 1], [0, 1, 0, 1], [0, 0, 1, 1]], b = [0.5, 0, 0, −6].
    values: [
      {
        state: {
          weight: tensor(
            [
              [1, 0, 0, 1],
              [0, 1, 0, 1],
              [0, 0, 1, 1],
            ],
            'float64',
          ),
          bias: tensor([0.5, 0, 0, -6], 'float64'),
        },
        input: tensor([[1, 2, 3]], 'float64'),
        output: tensor([[1.5, 2, 3, 0]], 'float64'),
      },
    ],
  })) {
    it(check.name, check.run);
  }
  for (const check of layerContract({
    create: (rng) =>
      new Linear(5, 2, {
        rng,
        dtype: 'float64',
        bias: false,
        init: 'glorot',
        distribution: 'uniform',
      }),
    inputShapes: [
      [2, 5],
      [7, 5],
    ],
  })) {
    it(`no bias, Glorot uniform: ${check.name}`, check.run);
  }
});

describe('Linear: the paper formulas on a hand-computed example', () => {
  // X (2×3), W (3×2), b, G = ∂L/∂Y (2×2); expected values worked out by hand:
  // Y = XW + 1b = [[4, 5], [10, 11]] + [0.5, -1]
  // ∇W = XᵀG = [[1·1+4·2, 1·(−1)+4·0], [2+10, −2], [3+12, −3]]
  // ∇b = 1ᵀG = [1+2, −1+0]
  // ∇X = GWᵀ = [[1−0, 0−1, 1−1], [2, 0, 2]]
  for (const dtype of ['float32', 'float64'] as const) {
    it(`forward is XW + 1b and backward gives XᵀG, 1ᵀG, GWᵀ exactly (${dtype})`, () => {
      const layer = new Linear(3, 2, { rng: createRng(0), dtype });
      layer.loadStateDict({
        weight: tensor(
          [
            [1, 0],
            [0, 1],
            [1, 1],
          ],
          dtype,
        ),
        bias: tensor([0.5, -1], dtype),
      });
      const x = tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        dtype,
      );
      const g = tensor(
        [
          [1, -1],
          [2, 0],
        ],
        dtype,
      );
      expect(layer.forward(x, evalCtx).toArray()).toEqual([
        [4.5, 4],
        [10.5, 10],
      ]);
      const gx = layer.backward(g);
      expect(layer.weight.grad.toArray()).toEqual([
        [9, -1],
        [12, -2],
        [15, -3],
      ]);
      expect(layer.bias?.grad.toArray()).toEqual([3, -1]);
      expect(gx.toArray()).toEqual([
        [1, -1, 0],
        [2, 0, 2],
      ]);
    });
  }

  it('accumulate: true adds XᵀG and 1ᵀG into the existing gradients', () => {
    const layer = new Linear(3, 2, { rng: createRng(0), dtype: 'float64' });
    layer.loadStateDict({
      weight: tensor(
        [
          [1, 0],
          [0, 1],
          [1, 1],
        ],
        'float64',
      ),
      bias: tensor([0.5, -1], 'float64'),
    });
    const x = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      'float64',
    );
    layer.forward(x, evalCtx);
    layer.backward(
      tensor(
        [
          [1, -1],
          [2, 0],
        ],
        'float64',
      ),
    );
    layer.forward(x, evalCtx);
    layer.backward(
      tensor(
        [
          [0, 1],
          [1, 0],
        ],
        'float64',
      ),
      { accumulate: true },
    );
    // second XᵀG = [[4, 1], [5, 2], [6, 3]], 1ᵀG = [1, 1]
    expect(layer.weight.grad.toArray()).toEqual([
      [13, 0],
      [17, 0],
      [21, 0],
    ]);
    expect(layer.bias?.grad.toArray()).toEqual([4, 0]);
  });
});

describe('Linear: initialisation', () => {
  const std = (data: ArrayLike<number>): number => {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < data.length; i++) {
      s += data[i] as number;
      s2 += (data[i] as number) ** 2;
    }
    const m = s / data.length;
    return Math.sqrt(s2 / data.length - m * m);
  };

  it('He normal by default: weights ~ N(0, 2/in), bias zero, named weight and bias', () => {
    const layer = new Linear(400, 300, { rng: createRng(1) });
    expect(layer.dtype).toBe('float32');
    expect(layer.parameters().map((p) => p.name)).toEqual(['weight', 'bias']);
    expect(layer.weight.value.shape).toEqual([400, 300]);
    expect(std(layer.weight.value.data)).toBeCloseTo(Math.sqrt(2 / 400), 3);
    expect(Array.from(layer.bias?.value.data ?? [])).toEqual(new Array(300).fill(0));
  });

  it('Glorot uniform stays within ±√(6/(in+out)) with the matching spread', () => {
    const layer = new Linear(200, 100, {
      rng: createRng(2),
      init: 'glorot',
      distribution: 'uniform',
    });
    const bound = Math.sqrt(6 / 300);
    expect(layer.weight.value.data.every((v) => Math.abs(v) <= bound)).toBe(true);
    expect(std(layer.weight.value.data)).toBeCloseTo(bound / Math.sqrt(3), 3);
  });

  it("init 'torch' is PyTorch's nn.Linear default: W and b uniform in ±1/√in, W drawn first", () => {
    const layer = new Linear(256, 200, { rng: createRng(3), init: 'torch' });
    const bound = 1 / 16;
    const w = layer.weight.value.data;
    const b = layer.bias?.value.data ?? new Float32Array();
    expect(w.every((v) => Math.abs(v) <= bound)).toBe(true);
    expect(std(w)).toBeCloseTo(bound / Math.sqrt(3), 3); // kaiming_uniform(a=√5): 1/√(3·in)
    expect(Math.max(...w)).toBeGreaterThan(0.99 * bound);
    expect(Math.min(...w)).toBeLessThan(-0.99 * bound);
    // The bias is drawn too (not zero), from the same range, after the weights.
    expect(b.every((v) => Math.abs(v) <= bound && v !== 0)).toBe(true);
    expect(std(b)).toBeGreaterThan(0.8 * (bound / Math.sqrt(3)));
    const again = new Linear(256, 200, { rng: createRng(3), init: 'torch', bias: false });
    expect(again.weight.value.data).toEqual(w);
    expect(again.bias).toBeUndefined();
  });

  it('the same seed gives the same weights, another seed different ones', () => {
    const a = new Linear(10, 5, { rng: createRng(7) });
    const b = new Linear(10, 5, { rng: createRng(7) });
    const c = new Linear(10, 5, { rng: createRng(8) });
    expect(b.weight.value.data).toEqual(a.weight.value.data);
    expect(c.weight.value.data).not.toEqual(a.weight.value.data);
  });
});

describe('Linear: buffers', () => {
  it('reuses its output and gradient buffers while the batch shape is unchanged', () => {
    const layer = new Linear(4, 3, { rng: createRng(3) });
    const x = zeros([8, 4]);
    const y1 = layer.forward(x, evalCtx);
    const g1 = layer.backward(y1);
    const y2 = layer.forward(x, evalCtx);
    const g2 = layer.backward(y2);
    expect(y2).toBe(y1);
    expect(g2).toBe(g1);
  });

  it('handles a smaller last batch and a full batch again correctly', () => {
    const layer = new Linear(2, 2, { rng: createRng(3), dtype: 'float64' });
    layer.loadStateDict({
      weight: tensor(
        [
          [1, 2],
          [3, 4],
        ],
        'float64',
      ),
      bias: tensor([1, 1], 'float64'),
    });
    expect(
      layer
        .forward(
          tensor(
            [
              [1, 0],
              [0, 1],
              [1, 1],
            ],
            'float64',
          ),
          evalCtx,
        )
        .toArray(),
    ).toEqual([
      [2, 3],
      [4, 5],
      [5, 7],
    ]);
    expect(layer.forward(tensor([[2, 0]], 'float64'), evalCtx).toArray()).toEqual([[3, 5]]);
    expect(
      layer
        .forward(
          tensor(
            [
              [0, 0],
              [1, 0],
              [0, 2],
            ],
            'float64',
          ),
          evalCtx,
        )
        .toArray(),
    ).toEqual([
      [1, 1],
      [2, 3],
      [7, 9],
    ]);
  });
});

describe('Linear: bad input', () => {
  const layer = new Linear(3, 2, { rng: createRng(0) });

  it('names the layer and both shapes for a wrong input width', () => {
    expect(() => layer.forward(zeros([2, 4]), evalCtx)).toThrow(ShapeError);
    expect(() => layer.forward(zeros([2, 4]), evalCtx)).toThrow(
      'Linear(3→2): expected input of shape [n,3], got [2,4]',
    );
    expect(() => layer.forward(zeros([3]), evalCtx)).toThrow(
      'Linear(3→2): expected input of shape [n,3], got [3]',
    );
  });

  it('rejects int32 input and a dtype that differs from the parameters', () => {
    expect(() => layer.forward(zeros([2, 3], 'int32') as never, evalCtx)).toThrow(
      /Linear\(3→2\): input must be a float32 or float64 tensor, got int32/,
    );
    expect(() => layer.forward(zeros([2, 3], 'float64') as never, evalCtx)).toThrow(
      'Linear(3→2): input is float64 but the parameters are float32',
    );
  });

  it('rejects backward before forward and a gradient of the wrong shape', () => {
    const fresh = new Linear(3, 2, { rng: createRng(0) });
    expect(() => fresh.backward(zeros([2, 2]))).toThrow(
      'Linear(3→2): backward called before forward',
    );
    fresh.forward(zeros([2, 3]), evalCtx);
    expect(() => fresh.backward(zeros([2, 3]))).toThrow(
      'Linear(3→2): backward got a gradient of shape [2,3], but the last forward produced [2,2]',
    );
  });

  it('rejects bad constructor arguments', () => {
    expect(() => new Linear(0, 2, { rng: createRng(0) })).toThrow(
      'Linear: in features must be a positive integer, got 0',
    );
    expect(() => new Linear(3, 2.5, { rng: createRng(0) })).toThrow(
      'Linear: out features must be a positive integer, got 2.5',
    );
    expect(() => new Linear(3, 2, {} as never)).toThrow(/options\.rng must be a seeded generator/);
    expect(() => new Linear(3, 2, { rng: createRng(0), init: 'lecun' as never })).toThrow(
      /unknown init "lecun"/,
    );
  });

  it('rejects a state dict with a wrong shape, naming the key and shapes', () => {
    expect(() => layer.loadStateDict({ weight: zeros([2, 3]), bias: zeros([2]) })).toThrow(
      'Linear(3→2).loadStateDict: "weight" has shape [2,3], expected [3,2]',
    );
  });
});
