import { create, toBinary } from '@bufbuild/protobuf';
import type { Layer } from '@nabla/layers';
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
import type { FloatDType } from '@nabla/tensor';
import { formatShape, ShapeError } from '@nabla/tensor';
import {
  type AttributeProto,
  ModelProtoSchema,
  type NodeProto,
  NodeProtoSchema,
  type TensorProto,
  TensorProto_DataType,
} from 'onnx-buf';
import { IMAGE_LAYERS, imageLayerNode } from './onnx-image-layers.js';
import { floatAttribute, initializer, intAttribute, valueInfo } from './onnx-proto.js';

/** The ONNX operator set the export targets (ONNX 1.12, run by every ONNX Runtime since 1.12). */
export const ONNX_OPSET = 17;
/** The ONNX IR version that goes with `ONNX_OPSET`. */
export const ONNX_IR_VERSION = 8;

/** Options of `exportOnnx`. */
export interface OnnxExportOptions {
  /**
   * The shape of ONE sample, without the batch axis: `[784]` for the MNIST MLP, `[1, 28, 28]`
   * for images that a `Flatten` turns into rows. The batch axis is dynamic (named `batch`).
   */
  inputShape: readonly number[];
  /** Name of the graph's input (default `input`). */
  inputName?: string | undefined;
  /** Name of the graph's output (default `output`). */
  outputName?: string | undefined;
  /** Name of the graph (default `nabla`). */
  graphName?: string | undefined;
  /** Written into the model's `doc_string`. */
  docString?: string | undefined;
  /** Written into the model's `metadata_props`. */
  metadata?: Readonly<Record<string, string>> | undefined;
}

/** A layer flattened out of nested `Sequential`s, with its path for error messages. */
interface Placed {
  layer: Layer;
  path: string;
}

function flatten(layer: Layer, path: string, out: Placed[]): Placed[] {
  if (layer instanceof Sequential) {
    layer.layers.forEach((l, i) => {
      flatten(l, path === '' ? String(i) : `${path}.${i}`, out);
    });
  } else {
    out.push({ layer, path });
  }
  return out;
}

const EXPORTABLE = `Linear, ${IMAGE_LAYERS}, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, Flatten, Dropout, Sequential`;

/**
 * The ONNX model (protobuf bytes of a `ModelProto`) computing `model`'s inference forward pass:
 * Linear → `Gemm` (its W is [in, out], so no transpose), ReLU → `Relu`, LeakyReLU → `LeakyRelu`,
 * Sigmoid, Tanh, Softmax (last axis), Flatten (axis 1), Dropout → `Identity` (it is the identity
 * at inference), and the image layers on NCHW samples: Conv2d → `Conv`, MaxPool2d → `MaxPool`,
 * AvgPool2d → `AveragePool`, BatchNorm1d/2d → `BatchNormalization` (inference: the running
 * statistics); nested `Sequential`s are inlined. The weights are stored as initializers in the
 * model's dtype (float32 → FLOAT, float64 → DOUBLE). The input has a dynamic batch axis; a layer
 * that cannot be exported, or whose input width does not fit, is named in the error.
 *
 * @example
 * const bytes = exportOnnx(model, { inputShape: [784] });
 * // ONNX Runtime: await InferenceSession.create(bytes) → session.run({ input })
 */
export function exportOnnx(model: Layer, options: OnnxExportOptions): Uint8Array {
  const { inputName = 'input', outputName = 'output', graphName = 'nabla' } = options;
  const inputShape = options.inputShape;
  if (
    !Array.isArray(inputShape) ||
    inputShape.length === 0 ||
    !inputShape.every((d) => Number.isSafeInteger(d) && d > 0)
  ) {
    throw new RangeError(
      `exportOnnx: options.inputShape must be the shape of one sample (positive integers, no batch axis), got ${JSON.stringify(inputShape)}`,
    );
  }
  if (inputName === outputName) {
    throw new RangeError(`exportOnnx: input and output are both named "${inputName}"`);
  }
  const layers = flatten(model, '', []);
  const dtype = modelDType(model);
  const elemType = dtype === 'float64' ? TensorProto_DataType.DOUBLE : TensorProto_DataType.FLOAT;

  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  let shape = [...inputShape];
  let current = inputName;
  layers.forEach(({ layer, path }, k) => {
    const where = `layer ${path === '' ? '(the model)' : path} (${layer.name})`;
    const prefix = path === '' ? 'model' : `l${path.replaceAll('.', '_')}`;
    const output = k === layers.length - 1 ? outputName : `${prefix}_out`;
    const node = (opType: string, inputs: string[], attribute: AttributeProto[] = []): void => {
      nodes.push(
        create(NodeProtoSchema, {
          name: `${prefix}_${opType}`,
          opType,
          input: inputs,
          output: [output],
          attribute,
        }),
      );
    };
    if (layer instanceof Linear) {
      if (shape.length !== 1 || shape[0] !== layer.inFeatures) {
        throw new ShapeError(
          `exportOnnx: ${where} takes rows of ${layer.inFeatures} features but gets samples of shape ${formatShape(shape)}${shape.length > 1 ? ' (add a Flatten before it)' : ''}`,
        );
      }
      const w = `${prefix}.weight`;
      initializers.push(initializer(w, layer.weight.value, elemType));
      const inputs = [current, w];
      if (layer.bias) {
        const b = `${prefix}.bias`;
        initializers.push(initializer(b, layer.bias.value, elemType));
        inputs.push(b);
      }
      node('Gemm', inputs);
      shape = [layer.outFeatures];
    } else if (layer instanceof LeakyReLU) {
      node('LeakyRelu', [current], [floatAttribute('alpha', layer.negativeSlope)]);
    } else if (layer instanceof ReLU) {
      node('Relu', [current]);
    } else if (layer instanceof Sigmoid) {
      node('Sigmoid', [current]);
    } else if (layer instanceof Tanh) {
      node('Tanh', [current]);
    } else if (layer instanceof Softmax) {
      node('Softmax', [current], [intAttribute('axis', -1)]);
    } else if (layer instanceof Flatten) {
      node('Flatten', [current], [intAttribute('axis', 1)]);
      shape = [shape.reduce((a, b) => a * b, 1)];
    } else if (layer instanceof Dropout) {
      node('Identity', [current]);
    } else {
      const spec = imageLayerNode(layer, shape, prefix, where, elemType);
      if (spec === undefined) {
        throw new TypeError(
          `exportOnnx: ${where} cannot be exported to ONNX (exportable layers: ${EXPORTABLE})`,
        );
      }
      initializers.push(...spec.initializers);
      node(spec.opType, [current, ...spec.inputs], spec.attributes);
      shape = spec.shape;
    }
    current = output;
  });
  if (layers.length === 0) {
    nodes.push(
      create(NodeProtoSchema, {
        name: 'identity',
        opType: 'Identity',
        input: [inputName],
        output: [outputName],
      }),
    );
  }

  const proto = create(ModelProtoSchema, {
    irVersion: BigInt(ONNX_IR_VERSION),
    opsetImport: [{ domain: '', version: BigInt(ONNX_OPSET) }],
    producerName: 'nabla',
    docString: options.docString ?? '',
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: graphName,
      node: nodes,
      initializer: initializers,
      input: [valueInfo(inputName, elemType, inputShape)],
      output: [valueInfo(outputName, elemType, shape)],
    },
  });
  return toBinary(ModelProtoSchema, proto);
}

/** The dtype of the model's parameters (float32 for a model without any). */
function modelDType(model: Layer): FloatDType {
  const dtypes = new Set(model.parameters().map((p) => p.value.dtype));
  if (dtypes.size > 1) {
    throw new TypeError(`exportOnnx: the model mixes ${[...dtypes].join(' and ')} parameters`);
  }
  return dtypes.values().next().value ?? 'float32';
}
