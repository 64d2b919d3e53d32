import type { FloatDType, Tensor } from '@nabla/tensor';
import { createRng, normal, tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import type { Layer } from './layer.js';
import { Linear } from './linear.js';
import { ReLU } from './relu.js';
import { Sequential } from './sequential.js';
import { Tanh } from './tanh.js';

const train = { training: true };

/** Equal values element by element (+0 and −0 equal, NaN equal to NaN). */
function sameValues(x: Tensor, y: Tensor, what: string): void {
  expect(x.shape, what).toEqual(y.shape);
  for (let i = 0; i < x.size; i++) {
    const a = x.data[i] as number;
    const b = y.data[i] as number;
    if (!(a === b || (Number.isNaN(a) && Number.isNaN(b)))) {
      throw new Error(`${what}: element ${i} is ${a} fused, ${b} layer by layer`);
    }
  }
}

/** Two copies of one network: one in a Sequential (fused), one as loose layers run in turn. */
function pair<D extends FloatDType>(dtype: D, sizes: readonly number[], seed: number) {
  const make = (): Layer<D>[] => {
    const rng = createRng(seed);
    const layers: Layer<D>[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      layers.push(new Linear<D>(sizes[i] as number, sizes[i + 1] as number, { rng, dtype }));
      if (i + 2 < sizes.length) layers.push(new ReLU<D>());
    }
    return layers;
  };
  return { fused: new Sequential<D>(...make()), loose: make() };
}

function looseForward<D extends FloatDType>(layers: Layer<D>[], x: Tensor<D>): Tensor<D> {
  let h = x;
  for (const l of layers) h = l.forward(h, train);
  return h;
}

function looseBackward<D extends FloatDType>(layers: Layer<D>[], g: Tensor<D>): Tensor<D> {
  let h = g;
  for (let i = layers.length - 1; i >= 0; i--) h = (layers[i] as Layer<D>).backward(h, {});
  return h;
}

describe('Sequential: fused Linear → ReLU', () => {
  it.each(['float32', 'float64'] as const)(
    'gives the values and gradients of the layers run one by one (%s)',
    (dtype) => {
      for (const [sizes, batch, seed] of [
        [[784, 256, 10], 128, 1],
        [[7, 5, 3], 1, 2],
        [[20, 33, 17, 9], 13, 3],
      ] as const) {
        const { fused, loose } = pair(dtype, sizes, seed);
        const rng = createRng(seed + 10);
        const x = normal(rng, [batch, sizes[0]], 0, 1, { dtype });
        // Exact zeros at the ReLU's input: a zero input row with zero biases gives x·W + b = 0
        // there, where the gradient passes (Relu′(0) = 1); negative pre-activations block it.
        x.data.fill(0, 0, sizes[0]);
        const y1 = fused.forward(x, train);
        const y2 = looseForward(loose, x);
        sameValues(y1, y2, 'output');
        const g = normal(rng, y1.shape, 0, 1, { dtype });
        const gx1 = fused.backward(g);
        const gx2 = looseBackward(loose, g);
        sameValues(gx1, gx2, '∂L/∂X');
        const p1 = fused.parameters();
        const p2 = loose.flatMap((l) => l.parameters());
        expect(p1.length).toBe(p2.length);
        p1.forEach((p, i) => {
          sameValues(p.grad, (p2[i] as (typeof p2)[number]).grad, `∇${p.name}`);
        });
      }
    },
  );

  it('passes the gradient where the ReLU input is exactly 0 and blocks it where negative', () => {
    const seq = new Sequential<'float32'>(
      new Linear(1, 2, { rng: createRng(1) }),
      new ReLU(),
      new Linear(2, 1, { rng: createRng(2) }),
    );
    const [l1, , l2] = seq.layers as [Linear<'float32'>, ReLU<'float32'>, Linear<'float32'>];
    l1.weight.value.data.set([1, -1]);
    l1.bias?.value.data.set([0, 0]);
    l2.weight.value.data.set([2, 3]);
    // x = 0 → pre-activations (0, 0): both pass. x = 1 → (1, −1): the second is blocked.
    const x = tensor([[0], [1]], 'float32');
    const y = seq.forward(x, train);
    expect([...y.data]).toEqual([0, 2]);
    seq.backward(tensor([[1], [1]], 'float32'));
    // ∇W2 = Hᵀ G = [[0 + 1], [0 + 0]]; ∂L/∂H = G W2ᵀ masked: row 0 (2, 3), row 1 (2, 0).
    expect([...l2.weight.grad.data]).toEqual([1, 0]);
    // ∇W1 = Xᵀ (masked ∂L/∂H) = [0·2 + 1·2, 0·3 + 1·0].
    expect([...l1.weight.grad.data]).toEqual([2, 0]);
    expect([...(l1.bias?.grad.data ?? [])]).toEqual([4, 3]);
  });

  it('keeps NaN visible in the output (a diverged step is not hidden)', () => {
    const seq = new Sequential<'float32'>(
      new Linear(2, 3, { rng: createRng(1) }),
      new ReLU(),
      new Linear(3, 1, { rng: createRng(2) }),
    );
    const y = seq.forward(tensor([[Number.NaN, 1]], 'float32'), train);
    expect(Number.isNaN(y.data[0])).toBe(true);
  });

  it('does not fuse a ReLU that is the last layer, a bias-free Linear, or other activations', () => {
    const rng = createRng(4);
    const last = new ReLU<'float32'>();
    const noBias = new ReLU<'float32'>();
    const seq = new Sequential<'float32'>(
      new Linear(4, 4, { rng }),
      new Tanh(),
      new Linear(4, 4, { rng, bias: false }),
      noBias,
      new Linear(4, 4, { rng }),
      last,
    );
    const out = seq.forward(normal(rng, [3, 4]), train);
    expect(noBias.fusedOutput).toBeUndefined();
    expect(last.fusedOutput).toBeUndefined();
    // The user sees +0, never −0, from a ReLU at the end.
    for (const v of out.data) expect(Object.is(v, -0)).toBe(false);
  });
});
