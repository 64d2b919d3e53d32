import type { Layer } from '@nabla/layers';
import { AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, MaxPool2d } from '@nabla/layers';
import { formatShape, full, ShapeError, zeros } from '@nabla/tensor';
import type { AttributeProto, TensorProto, TensorProto_DataType } from 'onnx-buf';
import { floatAttribute, initializer, intAttribute, intsAttribute } from './onnx-proto.js';

/** One layer as one ONNX node: its operator, extra inputs (initializers), attributes. */
export interface OnnxNodeSpec {
  opType: string;
  /** The node's inputs after the previous layer's output: the names of `initializers`. */
  inputs: string[];
  initializers: TensorProto[];
  attributes: AttributeProto[];
  /** The shape of one sample of the layer's output (no batch axis). */
  shape: number[];
}

/** The image layers `exportOnnx` knows, for its error message. */
export const IMAGE_LAYERS = 'Conv2d, MaxPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d';

/** Output size of a window sliding over `size` (PyTorch's and ONNX's floor rule). */
function slide(size: number, kernel: number, stride: number, pad: number, dilation = 1): number {
  return Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;
}

/**
 * The ONNX node of an image layer (NCHW samples [c, h, w]): Conv2d → `Conv`, MaxPool2d →
 * `MaxPool`, AvgPool2d → `AveragePool` (with `count_include_pad`), BatchNorm1d/2d →
 * `BatchNormalization` in inference mode (running statistics, ε; γ = 1 and β = 0 initializers
 * when the layer is not affine). `shape` is the incoming sample shape; a layer it does not fit is
 * named in a ShapeError (`where`). Undefined for any other layer.
 */
export function imageLayerNode(
  layer: Layer,
  shape: readonly number[],
  prefix: string,
  where: string,
  elemType: TensorProto_DataType,
): OnnxNodeSpec | undefined {
  const needImage = (channels: number): [number, number, number] => {
    if (shape.length !== 3 || shape[0] !== channels) {
      throw new ShapeError(
        `exportOnnx: ${where} takes images of shape [${channels},h,w] but gets samples of shape ${formatShape(shape)}`,
      );
    }
    return shape as [number, number, number];
  };
  const checkOut = (out: number[]): number[] => {
    if (out.some((d) => d < 1)) {
      throw new ShapeError(
        `exportOnnx: ${where} gets samples of shape ${formatShape(shape)}, too small for its window`,
      );
    }
    return out;
  };
  if (layer instanceof Conv2d) {
    const [, h, w] = needImage(layer.inChannels);
    const [kh, kw] = layer.kernelSize;
    const [sh, sw] = layer.stride;
    const [ph, pw] = layer.padding;
    const [dh, dw] = layer.dilation;
    const weight = `${prefix}.weight`;
    const initializers = [initializer(weight, layer.weight.value, elemType)];
    if (layer.bias) initializers.push(initializer(`${prefix}.bias`, layer.bias.value, elemType));
    return {
      opType: 'Conv',
      inputs: initializers.map((t) => t.name),
      initializers,
      attributes: [
        intsAttribute('kernel_shape', [kh, kw]),
        intsAttribute('strides', [sh, sw]),
        intsAttribute('pads', [ph, pw, ph, pw]),
        intsAttribute('dilations', [dh, dw]),
        intAttribute('group', 1),
      ],
      shape: checkOut([layer.outChannels, slide(h, kh, sh, ph, dh), slide(w, kw, sw, pw, dw)]),
    };
  }
  if (layer instanceof MaxPool2d || layer instanceof AvgPool2d) {
    const [c, h, w] = needImage(shape[0] ?? 0);
    const [kh, kw] = layer.kernelSize;
    const [sh, sw] = layer.stride;
    const [ph, pw] = layer.padding;
    const attributes = [
      intsAttribute('kernel_shape', [kh, kw]),
      intsAttribute('strides', [sh, sw]),
      intsAttribute('pads', [ph, pw, ph, pw]),
    ];
    if (layer instanceof AvgPool2d) {
      attributes.push(intAttribute('count_include_pad', layer.countIncludePad ? 1 : 0));
    }
    return {
      opType: layer instanceof MaxPool2d ? 'MaxPool' : 'AveragePool',
      inputs: [],
      initializers: [],
      attributes,
      shape: checkOut([c, slide(h, kh, sh, ph), slide(w, kw, sw, pw)]),
    };
  }
  if (layer instanceof BatchNorm1d || layer instanceof BatchNorm2d) {
    const c = layer.features;
    if (layer instanceof BatchNorm2d) needImage(c);
    else if ((shape.length !== 1 && shape.length !== 2) || shape[0] !== c) {
      throw new ShapeError(
        `exportOnnx: ${where} takes samples of shape [${c}] or [${c},length] but gets ${formatShape(shape)}`,
      );
    }
    const dtype = layer.runningMean.dtype;
    const tensors = [
      [`${prefix}.weight`, layer.weight?.value ?? full([c], 1, dtype)],
      [`${prefix}.bias`, layer.bias?.value ?? zeros([c], dtype)],
      [`${prefix}.running_mean`, layer.runningMean],
      [`${prefix}.running_var`, layer.runningVar],
    ] as const;
    return {
      opType: 'BatchNormalization',
      inputs: tensors.map(([name]) => name),
      initializers: tensors.map(([name, t]) => initializer(name, t, elemType)),
      attributes: [floatAttribute('epsilon', layer.eps)],
      shape: [...shape],
    };
  }
  return undefined;
}
