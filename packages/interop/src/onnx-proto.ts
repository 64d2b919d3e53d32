import { create } from '@bufbuild/protobuf';
import type { Tensor } from '@nabla/tensor';
import {
  type AttributeProto,
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  type TensorProto,
  TensorProto_DataType,
  TensorProtoSchema,
  type TensorShapeProto_Dimension,
  TensorShapeProto_DimensionSchema,
  type ValueInfoProto,
  ValueInfoProtoSchema,
} from 'onnx-buf';

// The ONNX protobuf messages the export builds: initializers, value infos and node attributes.

/** An initializer holding `t`'s values (as FLOAT or DOUBLE, `dataType`) under `name`. */
export function initializer(name: string, t: Tensor, dataType: TensorProto_DataType): TensorProto {
  // raw_data is little-endian; a copy of the bytes (views of a larger buffer are sliced out).
  const bytes = new Uint8Array(t.data.byteLength);
  const view = new DataView(bytes.buffer);
  const d = t.data;
  if (dataType === TensorProto_DataType.DOUBLE) {
    for (let i = 0; i < d.length; i++) view.setFloat64(8 * i, d[i] as number, true);
  } else {
    for (let i = 0; i < d.length; i++) view.setFloat32(4 * i, d[i] as number, true);
  }
  return create(TensorProtoSchema, {
    name,
    dataType,
    dims: t.shape.map((n) => BigInt(n)),
    rawData: bytes,
  });
}

/** The type of a graph input or output: a dynamic `batch` axis followed by `sample`'s axes. */
export function valueInfo(
  name: string,
  elemType: TensorProto_DataType,
  sample: readonly number[],
): ValueInfoProto {
  const dim: TensorShapeProto_Dimension[] = [
    create(TensorShapeProto_DimensionSchema, { value: { case: 'dimParam', value: 'batch' } }),
    ...sample.map((n) =>
      create(TensorShapeProto_DimensionSchema, { value: { case: 'dimValue', value: BigInt(n) } }),
    ),
  ];
  return create(ValueInfoProtoSchema, {
    name,
    type: { value: { case: 'tensorType', value: { elemType, shape: { dim } } } },
  });
}

export function floatAttribute(name: string, f: number): AttributeProto {
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.FLOAT, f });
}

export function intAttribute(name: string, i: number): AttributeProto {
  return create(AttributeProtoSchema, {
    name,
    type: AttributeProto_AttributeType.INT,
    i: BigInt(i),
  });
}

export function intsAttribute(name: string, ints: readonly number[]): AttributeProto {
  return create(AttributeProtoSchema, {
    name,
    type: AttributeProto_AttributeType.INTS,
    ints: ints.map((n) => BigInt(n)),
  });
}
