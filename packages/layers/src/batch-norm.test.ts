import type { Rng } from '@nabla/tensor';
import { createRng, normal, ShapeError, tensor, zeros } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { BatchNorm1d, BatchNorm2d } from './batch-norm.js';
import { Sequential } from './sequential.js';
import { layerContract } from './testing/index.js';

const train = { training: true };
const evalCtx = { training: false };

/** A float64 layer with random γ, β and running statistics moved by a few training batches. */
function trained<L extends BatchNorm1d<'float64'> | BatchNorm2d<'float64'>>(
  layer: L,
  rng: Rng,
  shape: number[],
): L {
  const c = layer.features;
  layer.loadStateDict({
    ...layer.stateDict(),
    weight: normal(rng, [c], 1, 0.5, { dtype: 'float64' }),
    bias: normal(rng, [c], 0, 0.5, { dtype: 'float64' }),
  });
  for (let i = 0; i < 3; i++)
    layer.forward(normal(rng, shape, 0.5, 2, { dtype: 'float64' }), train);
  return layer;
}

describe('BatchNorm: contract (gradient checks in training and in evaluation mode)', () => {
  for (const [mode, context] of [
    ['training', () => train],
    ['evaluation', () => evalCtx],
  ] as const) {
    for (const check of layerContract({
      create: (rng) => trained(new BatchNorm2d(3, { dtype: 'float64' }), rng, [4, 3, 2, 2]),
      inputShapes: [
        [1, 3, 2, 3],
        [4, 3, 3, 2],
      ],
      context,
    })) {
      it(`BatchNorm2d, ${mode}: ${check.name}`, check.run);
    }
    for (const check of layerContract({
      create: (rng) => trained(new BatchNorm1d(4, { dtype: 'float64' }), rng, [6, 4]),
      inputShapes: [
        [2, 4],
        [5, 4],
        [3, 4, 2],
      ],
      context,
    })) {
      it(`BatchNorm1d, ${mode}: ${check.name}`, check.run);
    }
  }
  for (const check of layerContract({
    create: () => new BatchNorm1d(2, { dtype: 'float64', affine: false, momentum: 0.3 }),
    inputShapes: [[5, 2]],
    context: () => train,
  })) {
    it(`BatchNorm1d without affine: ${check.name}`, check.run);
  }
});

describe('BatchNorm1d: a worked example (ε = 0)', () => {
  // x = [[1,4],[1,0],[3,4],[3,0]]. Channel 0: μ = 2, σ² = 1, x̂ = [−1,−1,1,1];
  // channel 1: μ = 2, σ² = 4, x̂ = [1,−1,1,−1]. γ = [2,3], β = [0.5,−1]:
  // y = γx̂ + β = [[−1.5, 2], [−1.5, −4], [2.5, 2], [2.5, −4]].
  const x = () =>
    tensor(
      [
        [1, 4],
        [1, 0],
        [3, 4],
        [3, 0],
      ],
      'float64',
    );
  const layer = () => {
    const bn = new BatchNorm1d(2, { eps: 0, dtype: 'float64' });
    bn.loadStateDict({
      ...bn.stateDict(),
      weight: tensor([2, 3], 'float64'),
      bias: tensor([0.5, -1], 'float64'),
    });
    return bn;
  };

  it('training normalises with the batch statistics', () => {
    expect(layer().forward(x(), train).toArray()).toEqual([
      [-1.5, 2],
      [-1.5, -4],
      [2.5, 2],
      [2.5, -4],
    ]);
  });

  it('running statistics after 1 and 2 steps: momentum 0.1, unbiased variance', () => {
    // Unbiased variances (M = 4): 1·4/3 and 4·4/3. After one step:
    // mean 0.9·0 + 0.1·2 = 0.2; var 0.9·1 + 0.1·4/3 = 1.0333…, 0.9·1 + 0.1·16/3 = 1.4333…
    // After two: mean 0.9·0.2 + 0.2 = 0.38; var 0.9·1.0333… + 0.1333… = 1.0633…,
    // 0.9·1.4333… + 0.5333… = 1.8233…
    const bn = layer();
    bn.forward(x(), train);
    expect(Array.from(bn.runningMean.data)).toEqual([0.2, 0.2].map((v) => expect.closeTo(v, 12)));
    expect(Array.from(bn.runningVar.data)).toEqual(
      [0.9 + 0.4 / 3, 0.9 + 1.6 / 3].map((v) => expect.closeTo(v, 12)),
    );
    expect(bn.numBatchesTracked.data[0]).toBe(1);
    bn.forward(x(), train);
    expect(Array.from(bn.runningMean.data)).toEqual([0.38, 0.38].map((v) => expect.closeTo(v, 12)));
    expect(Array.from(bn.runningVar.data)).toEqual(
      [1.0633333333333, 1.8233333333333].map((v) => expect.closeTo(v, 10)),
    );
    expect(bn.numBatchesTracked.data[0]).toBe(2);
    const state = bn.stateDict();
    expect(Object.keys(state).sort()).toEqual(
      ['bias', 'num_batches_tracked', 'running_mean', 'running_var', 'weight'].sort(),
    );
    expect(state.num_batches_tracked?.shape).toEqual([]);
  });

  it('training backward: ∇x = γ/(M·σ)·(M·G − ΣG − x̂·ΣG∘x̂), ∇γ = ΣG∘x̂, ∇β = ΣG', () => {
    // G channel 0 = [1,0,0,0]: ΣG = 1, ΣGx̂ = −1 → ∇x = 2/4·([4,0,0,0] − 1 + x̂) = [1,−1,0,0].
    // G channel 1 = [2,0,0,0]: ΣG = 2, ΣGx̂ = 2 → ∇x = 3·0.5/4·([8,0,0,0] − 2 − 2x̂) = [1.5,0,−1.5,0].
    const bn = layer();
    bn.forward(x(), train);
    const gx = bn.backward(
      tensor(
        [
          [1, 2],
          [0, 0],
          [0, 0],
          [0, 0],
        ],
        'float64',
      ),
    );
    expect(gx.toArray()).toEqual([
      [1, 1.5],
      [-1, 0],
      [0, -1.5],
      [0, 0],
    ]);
    expect(bn.weight?.grad.toArray()).toEqual([-1, 2]);
    expect(bn.bias?.grad.toArray()).toEqual([1, 2]);
  });

  it('evaluation uses the running statistics and changes nothing', () => {
    // running mean [1, −1], var [4, 0.25]: x = [5, 0] → 2·(5−1)/2 + 0.5 = 4.5, 3·(0+1)/0.5 − 1 = 5.
    const bn = layer();
    bn.loadStateDict({
      ...bn.stateDict(),
      running_mean: tensor([1, -1], 'float64'),
      running_var: tensor([4, 0.25], 'float64'),
    });
    const before = bn.stateDict();
    expect(bn.forward(tensor([[5, 0]], 'float64'), evalCtx).toArray()).toEqual([[4.5, 5]]);
    expect(bn.stateDict()).toEqual(before);
    // ∇x = γ·G/σ = [2/2, 3/0.5]; ∇γ = x̂ = [2, 2]; ∇β = G.
    expect(bn.backward(tensor([[1, 1]], 'float64')).toArray()).toEqual([[1, 6]]);
    expect(bn.weight?.grad.toArray()).toEqual([2, 2]);
    expect(bn.bias?.grad.toArray()).toEqual([1, 1]);
  });

  it('training and evaluation outputs differ until the running statistics match the batch', () => {
    const bn = layer();
    const yTrain = bn.forward(x(), train).clone();
    const yEval = bn.forward(x(), evalCtx);
    expect(yEval.toArray()).not.toEqual(yTrain.toArray());
    // Evaluation with running stats = the batch's biased statistics reproduces training.
    bn.loadStateDict({
      ...bn.stateDict(),
      running_mean: tensor([2, 2], 'float64'),
      running_var: tensor([1, 4], 'float64'),
    });
    expect(bn.forward(x(), evalCtx).toArray()).toEqual(yTrain.toArray());
  });
});

describe('BatchNorm2d', () => {
  it('normalises each channel over the batch and both spatial axes', () => {
    // Channel 0 holds 0, 2 (sample 0) and 4, 6 (sample 1): μ = 3, σ² = 5. Channel 1 is constant.
    const bn = new BatchNorm2d(2, { eps: 0, dtype: 'float64' });
    const x = tensor(
      [
        [[[0, 2]], [[7, 7]]],
        [[[4, 6]], [[7, 7]]],
      ],
      'float64',
    );
    bn.loadStateDict({ ...bn.stateDict(), running_var: tensor([5, 1], 'float64') });
    const s = Math.sqrt(5);
    const y = bn.forward(x, train);
    expect(Array.from(y.data).slice(0, 2)).toEqual([-3 / s, -1 / s]);
    expect(Array.from(y.data).slice(4, 6)).toEqual([1 / s, 3 / s]);
    // running var: 0.9·5 + 0.1·(20/3) (unbiased, M = 4); channel 1: 0.9·1 + 0.
    expect(bn.runningVar.data[0]).toBeCloseTo(4.5 + 2 / 3, 12);
    expect(bn.runningVar.data[1]).toBeCloseTo(0.9, 12);
    expect(bn.runningMean.toArray()).toEqual([0.1 * 3, 0.1 * 7].map((v) => expect.closeTo(v, 12)));
  });

  it('parameters() are weight and bias only; the state dict also holds the running statistics', () => {
    const bn = new BatchNorm2d(3);
    expect(bn.parameters().map((p) => p.name)).toEqual(['weight', 'bias']);
    expect(bn.buffers().map((b) => b.name)).toEqual([
      'running_mean',
      'running_var',
      'num_batches_tracked',
    ]);
    const model = new Sequential(new BatchNorm2d(2), new BatchNorm2d(2, { affine: false }));
    expect(model.parameters().map((p) => p.name)).toEqual(['0.weight', '0.bias']);
    expect(Object.keys(model.stateDict())).toEqual([
      '0.weight',
      '0.bias',
      '0.running_mean',
      '0.running_var',
      '0.num_batches_tracked',
      '1.running_mean',
      '1.running_var',
      '1.num_batches_tracked',
    ]);
  });

  it('state dict round trip: running statistics of a trained layer reproduce its evaluation', () => {
    const rng = createRng(5);
    const a = new BatchNorm2d(3);
    for (let i = 0; i < 4; i++) a.forward(normal(rng, [8, 3, 4, 4], 1, 3), train);
    const b = new BatchNorm2d(3);
    b.loadStateDict(a.stateDict());
    const x = normal(rng, [2, 3, 4, 4]);
    expect(b.forward(x, evalCtx).toArray()).toEqual(a.forward(x, evalCtx).toArray());
    expect(b.numBatchesTracked.data[0]).toBe(4);
  });
});

describe('BatchNorm: errors', () => {
  it('names the layer, the expected and the received shape', () => {
    expect(() => new BatchNorm2d(32).forward(zeros([64, 32]), train)).toThrow(ShapeError);
    expect(() => new BatchNorm2d(32).forward(zeros([64, 32]), train)).toThrow(
      'BatchNorm2d(32): expected input of shape [n,32,h,w] (NCHW), got [64,32]',
    );
    expect(() => new BatchNorm1d(10).forward(zeros([4, 9]), train)).toThrow(
      'BatchNorm1d(10): expected input of shape [n,10] or [n,10,length], got [4,9]',
    );
  });

  it('refuses training on one value per channel (no variance), like PyTorch', () => {
    expect(() => new BatchNorm1d(3).forward(zeros([1, 3]), train)).toThrow(
      'BatchNorm1d(3): training needs more than one value per channel',
    );
    expect(new BatchNorm1d(3).forward(zeros([1, 3]), evalCtx).shape).toEqual([1, 3]);
  });

  it('rejects bad options', () => {
    expect(() => new BatchNorm1d(0)).toThrow('features must be a positive integer');
    expect(() => new BatchNorm1d(2, { momentum: 1.5 })).toThrow('momentum must be in [0, 1]');
    expect(() => new BatchNorm1d(2, { eps: -1 })).toThrow('eps must be a finite number');
  });
});
