#!/usr/bin/env python3
"""Independent check of an exported ONNX file with the ONNX project's own checker (Debian python3-onnx).

Usage: /usr/bin/python3 scripts/golden/onnx_check.py MODEL.onnx

Runs onnx.checker.check_model(full_check=True) (graph well-formedness, every op valid at the
declared opset, strict shape inference) and prints one JSON object on stdout: the IR version,
opsets, producer, the ops used and their counts, the inputs and outputs with element types and
shapes as declared and as inferred, and the initializers' total size. Exit status 0 when the
model passes, 1 with {"ok": false, "error": ...} when it does not, 2 when onnx is missing.
"""
import json
import sys
from collections import Counter

try:
    import onnx
    from onnx import shape_inference
except ImportError as error:  # the caller skips with this message
    print(json.dumps({"ok": False, "missing": "onnx", "error": str(error)}))
    sys.exit(2)


def dims(value_info):
    shape = value_info.type.tensor_type.shape
    return [d.dim_param if d.HasField("dim_param") else (d.dim_value if d.HasField("dim_value") else None) for d in shape.dim]


def count(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def describe(value_info):
    elem = value_info.type.tensor_type.elem_type
    return {"name": value_info.name, "type": onnx.TensorProto.DataType.Name(elem), "shape": dims(value_info)}


def main(path):
    model = onnx.load(path)
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as error:  # the checker's own message names the node and the rule
        print(json.dumps({"ok": False, "error": f"{type(error).__name__}: {error}"}))
        return 1
    inferred = shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    inferred_outputs = {o.name: dims(o) for o in inferred.graph.output}
    report = {
        "ok": True,
        "onnx": onnx.__version__,
        "ir_version": model.ir_version,
        "opset": {(o.domain or "ai.onnx"): o.version for o in model.opset_import},
        "producer": f"{model.producer_name} {model.producer_version}".strip(),
        "nodes": len(model.graph.node),
        "ops": dict(sorted(Counter(n.op_type for n in model.graph.node).items())),
        "inputs": [describe(i) for i in model.graph.input],
        "outputs": [dict(describe(o), inferred=inferred_outputs.get(o.name)) for o in model.graph.output],
        "initializers": len(model.graph.initializer),
        "parameters": sum(count(t.dims) for t in model.graph.initializer),
        "metadata": {p.key: p.value for p in model.metadata_props},
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: onnx_check.py MODEL.onnx", file=sys.stderr)
        sys.exit(64)
    sys.exit(main(sys.argv[1]))
