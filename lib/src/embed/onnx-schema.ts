/**
 * The ONNX file format's protobuf messages (onnx/onnx.proto, IR version 8, the release that
 * defines opset 17), as a protobufjs JSON descriptor: the messages a dense inference graph
 * needs. Field names and numbers are onnx.proto's own, so the descriptor can be checked line by
 * line against it; sparse tensors, training info and functions are left out (a reader skips
 * unknown fields). A TS module rather than a .proto file read at run time, so it ships in lib/dist.
 */
import * as protobuf from "protobufjs";

/** ONNX IR version written (8: the version of ONNX 1.12, which defines opset 17). */
export const ONNX_IR_VERSION = 8;
/** The default domain's operator set the export uses. */
export const ONNX_OPSET = 17;

/** TensorProto.DataType values the export uses. */
export const OnnxDataType = { FLOAT: 1, INT32: 6, INT64: 7 } as const;

/** AttributeProto.AttributeType values the export uses. */
export const OnnxAttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

// The descriptor, transcribed from onnx.proto. proto2: repeated scalars are unpacked unless the
// .proto says [packed = true], as TensorProto's *_data fields do; protobufjs treats a JSON
// descriptor as proto3 (packed by default), so the unpacked ones say so.
const UNPACKED = { packed: false } as const;
const ONNX_DESCRIPTOR: protobuf.INamespace = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: { type: "string", id: 1 },
            ref_attr_name: { type: "string", id: 21 },
            doc_string: { type: "string", id: 13 },
            type: { type: "int32", id: 20 },
            f: { type: "float", id: 2 },
            i: { type: "int64", id: 3 },
            s: { type: "bytes", id: 4 },
            t: { type: "TensorProto", id: 5 },
            g: { type: "GraphProto", id: 6 },
            tp: { type: "TypeProto", id: 14 },
            floats: { rule: "repeated", type: "float", id: 7, options: UNPACKED },
            ints: { rule: "repeated", type: "int64", id: 8, options: UNPACKED },
            strings: { rule: "repeated", type: "bytes", id: 9 },
            tensors: { rule: "repeated", type: "TensorProto", id: 10 },
            graphs: { rule: "repeated", type: "GraphProto", id: 11 },
            type_protos: { rule: "repeated", type: "TypeProto", id: 15 },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: "string", id: 1 },
            type: { type: "TypeProto", id: 2 },
            doc_string: { type: "string", id: 3 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: "repeated", type: "string", id: 1 },
            output: { rule: "repeated", type: "string", id: 2 },
            name: { type: "string", id: 3 },
            op_type: { type: "string", id: 4 },
            domain: { type: "string", id: 7 },
            attribute: { rule: "repeated", type: "AttributeProto", id: 5 },
            doc_string: { type: "string", id: 6 },
          },
        },
        ModelProto: {
          fields: {
            ir_version: { type: "int64", id: 1 },
            opset_import: { rule: "repeated", type: "OperatorSetIdProto", id: 8 },
            producer_name: { type: "string", id: 2 },
            producer_version: { type: "string", id: 3 },
            domain: { type: "string", id: 4 },
            model_version: { type: "int64", id: 5 },
            doc_string: { type: "string", id: 6 },
            graph: { type: "GraphProto", id: 7 },
            metadata_props: { rule: "repeated", type: "StringStringEntryProto", id: 14 },
          },
        },
        StringStringEntryProto: {
          fields: {
            key: { type: "string", id: 1 },
            value: { type: "string", id: 2 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: "repeated", type: "NodeProto", id: 1 },
            name: { type: "string", id: 2 },
            initializer: { rule: "repeated", type: "TensorProto", id: 5 },
            doc_string: { type: "string", id: 10 },
            input: { rule: "repeated", type: "ValueInfoProto", id: 11 },
            output: { rule: "repeated", type: "ValueInfoProto", id: 12 },
            value_info: { rule: "repeated", type: "ValueInfoProto", id: 13 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: "repeated", type: "int64", id: 1, options: UNPACKED },
            data_type: { type: "int32", id: 2 },
            float_data: { rule: "repeated", type: "float", id: 4, options: { packed: true } },
            int32_data: { rule: "repeated", type: "int32", id: 5, options: { packed: true } },
            string_data: { rule: "repeated", type: "bytes", id: 6 },
            int64_data: { rule: "repeated", type: "int64", id: 7, options: { packed: true } },
            name: { type: "string", id: 8 },
            doc_string: { type: "string", id: 12 },
            raw_data: { type: "bytes", id: 9 },
            external_data: { rule: "repeated", type: "StringStringEntryProto", id: 13 },
            data_location: { type: "int32", id: 14 },
            double_data: { rule: "repeated", type: "double", id: 10, options: { packed: true } },
            uint64_data: { rule: "repeated", type: "uint64", id: 11, options: { packed: true } },
          },
        },
        TensorShapeProto: {
          fields: {
            dim: { rule: "repeated", type: "Dimension", id: 1 },
          },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ["dim_value", "dim_param"] } },
              fields: {
                dim_value: { type: "int64", id: 1 },
                dim_param: { type: "string", id: 2 },
                denotation: { type: "string", id: 3 },
              },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ["tensor_type"] } },
          fields: {
            tensor_type: { type: "Tensor", id: 1 },
            denotation: { type: "string", id: 6 },
          },
          nested: {
            Tensor: {
              fields: {
                elem_type: { type: "int32", id: 1 },
                shape: { type: "TensorShapeProto", id: 2 },
              },
            },
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: { type: "string", id: 1 },
            version: { type: "int64", id: 2 },
          },
        },
      },
    },
  },
};

// ---- plain TS shapes of the messages (what `encodeOnnxModel` takes and `decodeOnnxModel` gives) ----

export interface OnnxDimension {
  readonly dim_value?: number;
  readonly dim_param?: string;
}

export interface OnnxValueInfo {
  readonly name: string;
  readonly type: { readonly tensor_type: { readonly elem_type: number; readonly shape: { readonly dim: readonly OnnxDimension[] } } };
  readonly doc_string?: string;
}

export interface OnnxTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data_type: number;
  /** Little-endian values (the form every ONNX runtime reads fastest). */
  readonly raw_data?: Uint8Array;
}

export interface OnnxAttribute {
  readonly name: string;
  readonly type: number;
  readonly f?: number;
  readonly i?: number;
  readonly s?: Uint8Array;
  readonly t?: OnnxTensor;
  readonly floats?: readonly number[];
  readonly ints?: readonly number[];
}

export interface OnnxNode {
  readonly input: readonly string[];
  readonly output: readonly string[];
  readonly name: string;
  readonly op_type: string;
  readonly domain?: string;
  readonly attribute?: readonly OnnxAttribute[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly node: readonly OnnxNode[];
  readonly initializer: readonly OnnxTensor[];
  readonly input: readonly OnnxValueInfo[];
  readonly output: readonly OnnxValueInfo[];
  readonly doc_string?: string;
}

export interface OnnxModel {
  readonly ir_version: number;
  readonly opset_import: readonly { readonly domain: string; readonly version: number }[];
  readonly producer_name: string;
  readonly producer_version: string;
  readonly model_version?: number;
  readonly doc_string?: string;
  readonly graph: OnnxGraph;
  readonly metadata_props?: readonly { readonly key: string; readonly value: string }[];
}

let modelType: protobuf.Type | null = null;

/** The ModelProto message type (built once from the descriptor). */
export function onnxModelType(): protobuf.Type {
  if (!modelType) modelType = protobuf.Root.fromJSON(ONNX_DESCRIPTOR).lookupType("onnx.ModelProto");
  return modelType;
}

/** A model as ONNX file bytes. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const type = onnxModelType();
  const problem = type.verify(model);
  if (problem) throw new Error(`encodeOnnxModel: the model does not fit onnx.ModelProto: ${problem}.`);
  return type.encode(type.fromObject(model)).finish();
}

/**
 * ONNX file bytes back to plain objects (int64 fields as numbers, bytes as Uint8Array); throws
 * protobufjs's decode error (with the byte offset) on bytes that are not a ModelProto.
 */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  const type = onnxModelType();
  const message = type.decode(bytes);
  return type.toObject(message, { longs: Number, defaults: false, arrays: true }) as OnnxModel;
}
