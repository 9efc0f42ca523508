/**
 * A minimal ONNX writer: the protobuf encoding of a ModelProto with float32 initializers, enough for a feed-forward
 * convnet (src/bench/resnet50-onnx.ts). Browser-safe, no dependency: the ONNX Runtime peer builds its model file
 * from our safetensors in Node and in the bench page alike, without Python or the `onnx` package.
 *
 * Field numbers are those of onnx/onnx.proto (IR version 8). Protobuf wire format: each field is a varint key
 * (field << 3 | wire type) then a varint (type 0), or a varint length and that many bytes (type 2: strings, bytes,
 * nested messages). A message is kept as a list of chunks with its total length, so the 100 MB of weights are copied
 * once, into the final buffer.
 */

/** onnx.proto TensorProto.DataType.FLOAT; AttributeProto.AttributeType INT, INTS. */
const FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;
const IR_VERSION = 8;

class Message {
  readonly chunks: Uint8Array[] = [];
  length = 0;

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this;
  }

  private key(field: number, wireType: 0 | 2): this {
    return this.push(varint(field * 8 + wireType));
  }

  int(field: number, value: number): this {
    return this.key(field, 0).push(varint(value));
  }

  bytes(field: number, value: Uint8Array): this {
    return this.key(field, 2).push(varint(value.length)).push(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, value: Message): this {
    this.key(field, 2).push(varint(value.length));
    for (const c of value.chunks) this.push(c);
    return this;
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) { out.set(c, at); at += c.length; }
    return out;
  }
}

/** A non-negative integer (or a negative one, as protobuf's 10-byte two's complement int64) as a varint. */
function varint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value)) throw new Error(`onnx-writer: ${value} is not a safe integer`);
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? low | 0x80 : low);
  } while (v);
  return Uint8Array.from(out);
}

export type Attribute = number | readonly number[];

export interface OnnxNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  /** Integer or integer-list attributes (kernel_shape, strides, pads, transB, …). */
  attributes?: Record<string, Attribute>;
}

export interface OnnxInitializer { name: string; dims: readonly number[]; values: Float32Array }

/** A graph input or output: float32 with fixed dimensions (a string names a symbolic one, e.g. 'batch'). */
export interface OnnxValue { name: string; dims: ReadonlyArray<number | string> }

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxInitializer[];
  inputs: readonly OnnxValue[];
  outputs: readonly OnnxValue[];
  /** The default-domain opset the nodes are written for. */
  opset: number;
  producer: string;
  doc?: string;
}

function valueInfo(v: OnnxValue): Message {
  const shape = new Message();
  for (const d of v.dims) shape.message(1, typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d));
  const tensorType = new Message().int(1, FLOAT).message(2, shape);
  return new Message().string(1, v.name).message(2, new Message().message(1, tensorType));
}

function attribute(name: string, value: Attribute): Message {
  const a = new Message().string(1, name);
  if (typeof value === 'number') return a.int(3, value).int(20, ATTR_INT);
  for (const v of value) a.int(8, v);
  return a.int(20, ATTR_INTS);
}

function initializer(t: OnnxInitializer): Message {
  const count = t.dims.reduce((p, d) => p * d, 1);
  if (count !== t.values.length) throw new Error(`onnx-writer: initializer ${t.name} has ${t.values.length} values, its dims [${t.dims}] need ${count}`);
  const m = new Message();
  for (const d of t.dims) m.int(1, d);
  // raw_data is little-endian; every platform WebGPU runs on is too, so the Float32Array's bytes go as they are.
  return m.int(2, FLOAT).string(8, t.name).bytes(9, new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength));
}

/** The serialized ModelProto (an .onnx file's bytes). */
export function encodeOnnx(g: OnnxGraph): Uint8Array {
  const graph = new Message();
  g.nodes.forEach((n, i) => {
    const node = new Message();
    for (const x of n.inputs) node.string(1, x);
    for (const y of n.outputs) node.string(2, y);
    node.string(3, `${n.op}_${i}`).string(4, n.op);
    for (const [name, value] of Object.entries(n.attributes ?? {})) node.message(5, attribute(name, value));
    graph.message(1, node);
  });
  graph.string(2, g.name);
  for (const t of g.initializers) graph.message(5, initializer(t));
  if (g.doc) graph.string(10, g.doc);
  for (const v of g.inputs) graph.message(11, valueInfo(v));
  for (const v of g.outputs) graph.message(12, valueInfo(v));
  const model = new Message().int(1, IR_VERSION).string(2, g.producer).message(7, graph).message(8, new Message().string(1, '').int(2, g.opset));
  return model.toBytes();
}
