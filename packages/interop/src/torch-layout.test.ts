import { fromTorchStateDict, loadTorchStateDict, toTorchStateDict } from '@nabla/interop';
import type { BackwardOptions, ForwardContext, Layer, TensorStateDict } from '@nabla/layers';
import {
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Flatten,
  LeakyReLU,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
} from '@nabla/layers';
import {
  createParameter,
  createRng,
  normal,
  type Parameter,
  type Tensor,
  tensor,
  zeros,
} from '@nabla/tensor';
import { describe, expect, it } from 'vitest';

describe('toTorchStateDict / fromTorchStateDict', () => {
  it('the issue’s example: Linear(2,2) with PyTorch weights [[1,2],[3,4]] maps [1,0] to [1,3]', () => {
    const layer = new Linear(2, 2, { rng: createRng(0) });
    loadTorchStateDict(layer, {
      weight: tensor([
        [1, 2],
        [3, 4],
      ]),
      bias: tensor([0, 0]),
    });
    expect(layer.forward(tensor([[1, 0]]), { training: false }).toArray()).toEqual([[1, 3]]);
    // and back to PyTorch's layout unchanged
    const back = toTorchStateDict(layer);
    expect(back.weight?.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(layer.weight.value.toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
  });

  it('transposes every Linear weight of nested Sequentials and leaves the rest, names unchanged', () => {
    const rng = createRng(3);
    const model = new Sequential(
      new Flatten(),
      new Linear(4, 3, { rng }),
      new Sequential(new LeakyReLU(), new Linear(3, 2, { rng, bias: false }), new Tanh()),
      new Dropout(0.5),
      new Sigmoid(),
      new ReLU(),
      new Softmax(),
    );
    const torch = toTorchStateDict(model);
    expect(Object.keys(torch)).toEqual(['1.weight', '1.bias', '2.1.weight']);
    expect(torch['1.weight']?.shape).toEqual([3, 4]);
    expect(torch['2.1.weight']?.shape).toEqual([2, 3]);
    const w = model.stateDict()['1.weight'] as Tensor;
    const wt = torch['1.weight'] as Tensor;
    for (let i = 0; i < 4; i++) for (let o = 0; o < 3; o++) expect(wt.get(o, i)).toBe(w.get(i, o));
    // a copy: changing it does not touch the model
    wt.data.fill(0);
    expect(model.stateDict()['1.weight']?.data).toEqual(w.data);
    // round trip
    const twin = new Sequential(
      new Flatten(),
      new Linear(4, 3, { rng }),
      new Sequential(new LeakyReLU(), new Linear(3, 2, { rng, bias: false }), new Tanh()),
      new Dropout(0.5),
      new Sigmoid(),
      new ReLU(),
      new Softmax(),
    );
    loadTorchStateDict(twin, toTorchStateDict(model));
    for (const [k, v] of Object.entries(model.stateDict())) {
      expect(twin.stateDict()[k]?.data).toEqual(v.data);
    }
  });

  it('does not modify the state dict it is given', () => {
    const layer = new Linear(2, 3, { rng: createRng(0) });
    const state = {
      weight: tensor([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      bias: tensor([7, 8, 9]),
    };
    const converted = fromTorchStateDict(layer, state);
    expect(state.weight.toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(converted.weight?.toArray()).toEqual([
      [1, 3, 5],
      [2, 4, 6],
    ]);
    expect(converted.bias).not.toBe(state.bias);
  });

  it('names the key, the shapes and the layer for a wrong shape; hints at Nabla’s layout', () => {
    const model = new Sequential(new Linear(4, 3, { rng: createRng(0) }));
    expect(() =>
      fromTorchStateDict(model, { '0.weight': zeros([4, 3]), '0.bias': zeros([3]) }),
    ).toThrow(
      /"0\.weight" of Linear\(4→3\) at "0" has shape \[4,3\], expected PyTorch's \[3,4\] \(that is Nabla's \[in, out\] layout/,
    );
    expect(() => fromTorchStateDict(model, { '0.weight': zeros([3, 4]) })).toThrow(
      /missing key "0\.bias"/,
    );
    expect(() =>
      fromTorchStateDict(model, {
        '0.weight': zeros([3, 4]),
        '0.bias': zeros([3]),
        '1.weight': zeros([1]),
      }),
    ).toThrow(/unexpected key "1\.weight"/);
    const weights = model.stateDict()['0.weight']?.data.slice();
    expect(() =>
      loadTorchStateDict(model, { '0.weight': zeros([4, 3]), '0.bias': zeros([3]) }),
    ).toThrow();
    expect(model.stateDict()['0.weight']?.data).toEqual(weights);
  });

  it('refuses a layer with parameters whose PyTorch layout it cannot know', () => {
    class Scale implements Layer<'float32'> {
      readonly name = 'Scale';
      private readonly p: Parameter<'float32'> = createParameter('gain', zeros([2]));
      forward(x: Tensor<'float32'>, _ctx: ForwardContext): Tensor<'float32'> {
        return x;
      }
      backward(g: Tensor<'float32'>, _o?: BackwardOptions): Tensor<'float32'> {
        return g;
      }
      parameters(): readonly Parameter<'float32'>[] {
        return [this.p];
      }
      stateDict(): TensorStateDict<'float32'> {
        return { gain: this.p.value.clone() };
      }
      loadStateDict(_s: TensorStateDict): void {}
    }
    const model = new Sequential<'float32'>(new ReLU(), new Scale());
    expect(() => toTorchStateDict(model)).toThrow(/Scale at "1": no PyTorch layout is known/);
  });

  it('Conv2d and BatchNorm keep their layout; running statistics travel with the weights', () => {
    const rng = createRng(4);
    const make = () =>
      new Sequential<'float32'>(
        new Conv2d(2, 3, [3, 2], { rng, padding: 1 }),
        new BatchNorm2d(3),
        new MaxPool2d(2),
        new ReLU(),
        new Flatten(),
        new Linear(3 * 2 * 2, 4, { rng }),
        new BatchNorm1d(4, { affine: false }),
      );
    const model = make();
    // Training-mode forwards move the running statistics off their initial 0 and 1.
    model.forward(normal(createRng(1), [5, 2, 4, 3], 1, 2), { training: true });
    const torch = toTorchStateDict(model);
    expect(Object.fromEntries(Object.entries(torch).map(([k, t]) => [k, t.shape]))).toEqual({
      '0.weight': [3, 2, 3, 2],
      '0.bias': [3],
      '1.weight': [3],
      '1.bias': [3],
      '1.running_mean': [3],
      '1.running_var': [3],
      '1.num_batches_tracked': [],
      '5.weight': [4, 12],
      '5.bias': [4],
      '6.running_mean': [4],
      '6.running_var': [4],
      '6.num_batches_tracked': [],
    });
    const state = model.stateDict();
    expect(torch['0.weight']?.data).toEqual(state['0.weight']?.data);
    expect(torch['1.running_var']?.data).toEqual(state['1.running_var']?.data);
    expect(torch['6.num_batches_tracked']?.data[0]).toBe(1);
    expect(torch['5.weight']?.get(1, 7)).toBe(state['5.weight']?.get(7, 1));

    const copy = make();
    loadTorchStateDict(copy, torch);
    const x = normal(createRng(2), [3, 2, 4, 3]);
    const want = model.forward(x, { training: false }).data.slice();
    expect(copy.forward(x, { training: false }).data).toEqual(want);
    const { '1.running_mean': _m, ...missing } = torch;
    expect(() => fromTorchStateDict(copy, missing)).toThrow(
      /missing key "1\.running_mean" \(BatchNorm2d\(3\) at "1", PyTorch shape \[3\]\)/,
    );
    expect(() =>
      fromTorchStateDict(copy, { ...torch, '0.weight': normal(createRng(3), [3, 2, 2, 3]) }),
    ).toThrow(
      /"0\.weight" of Conv2d\(2→3, 3×2, padding 1\) at "0" has shape \[3,2,2,3\], expected PyTorch's \[3,2,3,2\]/,
    );
  });
});
