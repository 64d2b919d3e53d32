import { fromBinary } from '@bufbuild/protobuf';
import { exportOnnx, ONNX_OPSET } from '@nabla/interop';
import type { BackwardOptions, ForwardContext, Layer, TensorStateDict } from '@nabla/layers';
import {
  AvgPool2d,
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
import { createRng, type FloatDType, type Parameter, type Tensor, uniform } from '@nabla/tensor';
import { ModelProtoSchema } from 'onnx-buf';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';

/** A model with every exportable layer, for samples of shape [2, 3, 4]. */
function everyLayer<D extends FloatDType>(dtype: D): Sequential<D> {
  const rng = createRng(11);
  return new Sequential<D>(
    new Flatten(),
    new Linear(24, 16, { rng, dtype }),
    new ReLU(),
    new Dropout(0.3),
    new Sequential<D>(new Linear(16, 12, { rng, dtype }), new LeakyReLU({ negativeSlope: 0.2 })),
    new Linear(12, 10, { rng, dtype, bias: false }),
    new Tanh(),
    new Linear(10, 8, { rng, dtype }),
    new Sigmoid(),
    new Linear(8, 5, { rng, dtype }),
    new Softmax(),
  );
}

/** A model with every exportable image layer, for samples of shape [2, 9, 8]. */
function imageLayers<D extends FloatDType>(dtype: D): Sequential<D> {
  const rng = createRng(12);
  return new Sequential<D>(
    new Conv2d(2, 4, 3, { rng, dtype, padding: 1 }),
    new BatchNorm2d(4, { dtype }),
    new ReLU(),
    new MaxPool2d(2, { stride: 1, padding: 1 }),
    new Conv2d(4, 3, [3, 2], { rng, dtype, stride: 2, dilation: [1, 2], bias: false }),
    new AvgPool2d(2, { padding: 1 }),
    new BatchNorm2d(3, { dtype, affine: false }),
    new AvgPool2d([2, 1], { padding: [1, 0], countIncludePad: false }),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(3, 5, { rng, dtype }),
    new BatchNorm1d(5, { dtype }),
  );
}

async function runOrt(bytes: Uint8Array, x: Tensor): Promise<Float32Array | Float64Array> {
  const session = await InferenceSession.create(bytes);
  try {
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['output']);
    const input = new OrtTensor(x.dtype, x.data as Float32Array | Float64Array, [...x.shape]);
    const { output } = await session.run({ input });
    if (output === undefined) throw new Error('no output');
    return output.data as Float32Array | Float64Array;
  } finally {
    await session.release();
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('exportOnnx, run by onnxruntime-node', () => {
  it.each([
    ['float32', 1e-6],
    ['float64', 1e-9], // measured: 2.1e-10 at most (ORT's double kernels)
  ] as const)(
    'a model with every exportable layer (%s) gives Nabla’s outputs for any batch size',
    async (dtype, tol) => {
      const model = everyLayer(dtype);
      const bytes = exportOnnx(model, { inputShape: [2, 3, 4] });
      for (const n of [1, 7, 64]) {
        const x = uniform(createRng(n), [n, 2, 3, 4], -2, 2, { dtype });
        const expected = model.forward(x, { training: false }).clone();
        const got = await runOrt(bytes, x);
        expect(got).toBeInstanceOf(dtype === 'float32' ? Float32Array : Float64Array);
        expect(maxAbsDiff(got, expected.data)).toBeLessThanOrEqual(tol);
      }
    },
  );

  // float32 only: ONNX Runtime's CPU provider has no float64 Conv kernel ("Could not find an
  // implementation for Conv(11)"), although the exported float64 graph is valid ONNX.
  it.each([['float32', 1e-5]] as const)(
    'Conv2d (stride, padding, dilation, no bias), pooling and BatchNorm (%s, running statistics) give Nabla’s outputs',
    async (dtype, tol) => {
      const model = imageLayers(dtype);
      // A few training steps' worth of forwards move the running statistics off 0 and 1.
      for (const seed of [1, 2, 3]) {
        model.forward(uniform(createRng(seed), [6, 2, 9, 8], -1, 2, { dtype }), { training: true });
      }
      const bytes = exportOnnx(model, { inputShape: [2, 9, 8] });
      const proto = fromBinary(ModelProtoSchema, bytes);
      expect(proto.graph?.node.map((n) => n.opType)).toEqual([
        'Conv',
        'BatchNormalization',
        'Relu',
        'MaxPool',
        'Conv',
        'AveragePool',
        'BatchNormalization',
        'AveragePool',
        'MaxPool',
        'Flatten',
        'Gemm',
        'BatchNormalization',
      ]);
      for (const n of [1, 4]) {
        const x = uniform(createRng(10 + n), [n, 2, 9, 8], -2, 2, { dtype });
        const expected = model.forward(x, { training: false }).clone();
        expect(expected.shape).toEqual([n, 5]);
        const got = await runOrt(bytes, x);
        expect(maxAbsDiff(got, expected.data)).toBeLessThanOrEqual(tol);
      }
    },
  );

  it('names an image layer whose input does not fit', () => {
    const rng = createRng(0);
    expect(() => exportOnnx(new Conv2d(3, 4, 3, { rng }), { inputShape: [1, 28, 28] })).toThrow(
      'exportOnnx: layer (the model) (Conv2d(3→4, 3)) takes images of shape [3,h,w] but gets samples of shape [1,28,28]',
    );
    expect(() => exportOnnx(new MaxPool2d(5), { inputShape: [1, 4, 4] })).toThrow(
      /MaxPool2d\(5\)\) gets samples of shape \[1,4,4\], too small for its window/,
    );
    expect(() =>
      exportOnnx(new Sequential(new Flatten(), new BatchNorm2d(3)), { inputShape: [3, 2, 2] }),
    ).toThrow(
      /layer 1 \(BatchNorm2d\(3\)\) takes images of shape \[3,h,w\] but gets samples of shape \[12\]/,
    );
  });

  it('writes a graph of named nodes, initializers in [in, out] order, opset and dynamic batch', () => {
    const rng = createRng(1);
    const model = new Sequential(new Linear(3, 2, { rng }), new Dropout(0.1), new ReLU());
    const proto = fromBinary(
      ModelProtoSchema,
      exportOnnx(model, {
        inputShape: [3],
        inputName: 'pixels',
        outputName: 'logits',
        metadata: { seed: '1' },
      }),
    );
    expect(proto.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', ONNX_OPSET]]);
    const graph = proto.graph!;
    expect(graph.node.map((n) => [n.opType, n.input, n.output])).toEqual([
      ['Gemm', ['pixels', 'l0.weight', 'l0.bias'], ['l0_out']],
      ['Identity', ['l0_out'], ['l1_out']],
      ['Relu', ['l1_out'], ['logits']],
    ]);
    const w = graph.initializer[0]!;
    expect(w.dims.map(Number)).toEqual([3, 2]);
    expect(Array.from(new Float32Array(w.rawData.slice().buffer))).toEqual(
      Array.from(model.stateDict()['0.weight']!.data),
    );
    const dims = (name: 'input' | 'output') => {
      const info = name === 'input' ? graph.input[0] : graph.output[0];
      const t = info?.type?.value;
      return t?.case === 'tensorType' ? t.value.shape?.dim.map((d) => d.value.value) : undefined;
    };
    expect(dims('input')).toEqual(['batch', 3n]);
    expect(dims('output')).toEqual(['batch', 2n]);
    expect(proto.metadataProps.map((p) => [p.key, p.value])).toEqual([['seed', '1']]);
  });

  it('names a layer that cannot be exported, and a Linear whose input does not fit', () => {
    class Custom implements Layer<'float32'> {
      readonly name = 'MyAttention';
      forward(x: Tensor<'float32'>, _ctx: ForwardContext): Tensor<'float32'> {
        return x;
      }
      backward(g: Tensor<'float32'>, _o?: BackwardOptions): Tensor<'float32'> {
        return g;
      }
      parameters(): readonly Parameter<'float32'>[] {
        return [];
      }
      stateDict(): TensorStateDict<'float32'> {
        return {};
      }
      loadStateDict(_s: TensorStateDict): void {}
    }
    const rng = createRng(0);
    expect(() =>
      exportOnnx(new Sequential<'float32'>(new Linear(4, 4, { rng }), new Custom()), {
        inputShape: [4],
      }),
    ).toThrow(/layer 1 \(MyAttention\) cannot be exported to ONNX \(exportable layers: Linear,/);
    expect(() =>
      exportOnnx(new Sequential(new ReLU(), new Linear(4, 2, { rng })), { inputShape: [2, 2] }),
    ).toThrow(
      'exportOnnx: layer 1 (Linear(4→2)) takes rows of 4 features but gets samples of shape [2,2] (add a Flatten before it)',
    );
    expect(() => exportOnnx(new Linear(4, 2, { rng }), { inputShape: [5] })).toThrow(
      /layer \(the model\) \(Linear\(4→2\)\) takes rows of 4 features/,
    );
    expect(() => exportOnnx(new ReLU(), { inputShape: [] })).toThrow(/options\.inputShape/);
  });
});
