import { fromBinary } from '@bufbuild/protobuf';
import { exportOnnx, ONNX_OPSET } from '@nabla/interop';
import type { BackwardOptions, ForwardContext, Layer, TensorStateDict } from '@nabla/layers';
import {
  Dropout,
  Flatten,
  LeakyReLU,
  Linear,
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
