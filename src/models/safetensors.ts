/**
 * Reader and writer of the safetensors format (https://github.com/huggingface/safetensors#format):
 *
 *   [8 bytes: N, little-endian u64] [N bytes: JSON header] [data buffer]
 *   header = { "<name>": { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: { string: string } }
 *
 * Offsets are relative to the start of the data buffer. Following the spec (and the Rust reference
 * implementation) the tensors must tile the data buffer exactly: no overlaps, no holes, no trailing bytes.
 * Every problem is reported as a SafetensorsError whose message starts with the file name.
 *
 * Float dtypes (F32, F16, BF16, F64) are converted to Float32Array on read; other dtypes are accepted in the
 * header (a torchvision file has I64 `num_batches_tracked`) but cannot be read as floats.
 *
 * Node's `fs` is imported lazily inside the functions that use it, so the browser can import this module
 * for `parseSafetensors` without a bundler stub for `node:fs`.
 */
import type { FileHandle } from 'node:fs/promises';

/** Bytes per element of every dtype the spec defines. */
const DTYPE_BYTES = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
} as const;

export type SafetensorsDtype = keyof typeof DTYPE_BYTES;

/** The float dtypes `read()` converts to Float32Array. */
const READABLE_DTYPES: readonly SafetensorsDtype[] = ['F32', 'F16', 'BF16', 'F64'];

/** The spec caps the header at 100 MB; a bigger length means the file is not safetensors. */
const MAX_HEADER_BYTES = 100_000_000;

/** One tensor's entry in the header. `begin`/`end` are byte offsets into the data buffer. */
export interface SafetensorsTensorInfo {
  dtype: SafetensorsDtype;
  shape: number[];
  byteLength: number;
  begin: number;
  end: number;
}

/** A parsed and validated header. `dataStart` is the file offset of the data buffer (8 + N). */
export interface SafetensorsHeader {
  metadata: Record<string, string>;
  tensors: Map<string, SafetensorsTensorInfo>;
  dataStart: number;
}

/** A safetensors file opened for reading tensors by range. Call `close()` when done. */
export interface SafetensorsFile extends SafetensorsHeader {
  read(name: string): Promise<Float32Array>;
  close(): Promise<void>;
}

/** A safetensors file held in memory (browser, fetch()). */
export interface SafetensorsBytes extends SafetensorsHeader {
  read(name: string): Float32Array;
}

/** A tensor to write: float32 data in row-major order. */
export interface TensorToWrite {
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

/** Error in a safetensors file; the message starts with the file name. */
export class SafetensorsError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'SafetensorsError';
  }
}

/** Magic numbers of files people pass by mistake, so the error can say what the file is instead. */
const KNOWN_MAGIC: [number[], string][] = [
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive (a PyTorch .pth/.pt checkpoint? convert it to safetensors first)'],
  [[0x80], 'a Python pickle (an old PyTorch checkpoint? convert it to safetensors first)'],
  [[0x1f, 0x8b], 'a gzip archive'],
  [[0x89, 0x48, 0x44, 0x46], 'an HDF5 file (a Keras .h5? convert it with tensorflowjs_converter first)'],
  [[0x7b], 'a JSON file'],
];

function describeMagic(first: Uint8Array): string | undefined {
  const hit = KNOWN_MAGIC.find(([magic]) => magic.every((byte, i) => first[i] === byte));
  return hit?.[1];
}

/**
 * Reads the u64 header length from the first 8 bytes and checks it against the file size.
 * @returns N, the byte length of the JSON header.
 */
function headerLength(first8: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8) {
    throw new SafetensorsError(file, `not a safetensors file: only ${fileSize} bytes, shorter than the 8-byte header length`);
  }
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(fileSize - 8) || n > BigInt(MAX_HEADER_BYTES)) {
    const what = describeMagic(first8);
    const looks = what ? `; it looks like ${what}` : '';
    throw new SafetensorsError(file, `not a safetensors file: header length ${n} is beyond the file size (${fileSize} bytes)${looks}`);
  }
  return Number(n);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
/** A non-negative integer, however large (JSON numbers past 2^53 are integers, just not exact ones). */
const isWhole = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
/** A count as the user can check it: exact while it is exact, else its power of two. */
const showCount = (v: number): string => (Number.isSafeInteger(v) ? String(v) : `about 2^${Math.round(Math.log2(v))}`);

/** Parses and validates the JSON header against the size of the data buffer that follows it. */
function parseHeaderJson(json: Uint8Array, dataStart: number, dataBytes: number, file: string): SafetensorsHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (e) {
    const what = describeMagic(json);
    const hint = what ? ` (it looks like ${what})` : '';
    throw new SafetensorsError(file, `header (${json.length} bytes) is not valid UTF-8 JSON${hint}: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SafetensorsError(file, 'header is JSON but not an object of tensors');
  }
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsTensorInfo>();
  for (const [name, entry] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null) throw new SafetensorsError(file, '__metadata__ is not an object');
      for (const [key, value] of Object.entries(entry)) {
        if (typeof value !== 'string') throw new SafetensorsError(file, `__metadata__.${key} is not a string`);
        metadata[key] = value;
      }
      continue;
    }
    tensors.set(name, parseEntry(name, entry, dataBytes, file));
  }
  checkTiling(tensors, dataBytes, file);
  return { metadata, tensors, dataStart };
}

function parseEntry(name: string, entry: unknown, dataBytes: number, file: string): SafetensorsTensorInfo {
  const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  const fail = (problem: string) => new SafetensorsError(file, `tensor '${name}': ${problem}`);
  if (typeof e !== 'object' || e === null) throw fail('entry is not an object');
  if (typeof e.dtype !== 'string' || !(e.dtype in DTYPE_BYTES)) {
    throw fail(`unsupported dtype ${JSON.stringify(e.dtype)} (known: ${Object.keys(DTYPE_BYTES).join(', ')})`);
  }
  if (!Array.isArray(e.shape) || !e.shape.every(isWhole)) throw fail(`shape ${JSON.stringify(e.shape)} is not a list of sizes`);
  const huge = (e.shape as number[]).find((d) => !isCount(d));
  if (huge !== undefined) throw fail(`shape has a dimension of ${showCount(huge)}, more elements than any file can hold (a corrupt header)`);
  const offsets = e.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isWhole)) {
    throw fail(`data_offsets ${JSON.stringify(offsets)} is not [begin, end], two byte offsets (integers >= 0)`);
  }
  const [begin, end] = offsets as [number, number];
  // Past 2^53 a JSON number is not even exact: no file is that large, so the header is corrupt (not truncated).
  if (!isCount(begin) || !isCount(end)) {
    throw fail(`data_offsets [${showCount(begin)}, ${showCount(end)}] point ${showCount(Math.max(begin, end))} bytes into a data buffer of ${dataBytes} bytes: a corrupt header, not a truncated file`);
  }
  if (begin > end) throw fail(`data_offsets [${begin}, ${end}] end before they begin`);
  const dtype = e.dtype as SafetensorsDtype;
  const shape = e.shape as number[];
  if (end > dataBytes) {
    throw fail(`data_offsets [${begin}, ${end}] out of range: the data buffer has ${dataBytes} bytes (file truncated?)`);
  }
  const expected = shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
  if (expected !== end - begin) {
    throw fail(`shape [${shape}] of ${dtype} needs ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  }
  return { dtype, shape, byteLength: end - begin, begin, end };
}

/** The spec requires the tensors to cover the data buffer exactly once: sort by offset and walk. */
function checkTiling(tensors: Map<string, SafetensorsTensorInfo>, dataBytes: number, file: string): void {
  const sorted = [...tensors].sort(([, a], [, b]) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous = '(start of data)';
  for (const [name, t] of sorted) {
    if (t.begin < cursor) {
      throw new SafetensorsError(file, `tensors '${previous}' and '${name}' overlap: '${name}' begins at ${t.begin}, before ${cursor}`);
    }
    if (t.begin > cursor) {
      throw new SafetensorsError(file, `${t.begin - cursor} unused bytes between '${previous}' and '${name}' (at ${cursor})`);
    }
    cursor = t.end;
    previous = name;
  }
  if (cursor !== dataBytes) {
    throw new SafetensorsError(file, `${dataBytes - cursor} trailing bytes after the last tensor (data buffer ${dataBytes} bytes, tensors end at ${cursor})`);
  }
}

/** IEEE half → single. Subnormals, infinities and NaN included. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/**
 * Converts one tensor's raw little-endian bytes to float32. `bytes` must start 8-byte aligned (callers
 * pass a fresh buffer) so typed-array views work. Assumes a little-endian host, as every WebGPU host is.
 */
function decodeFloats(bytes: Uint8Array, info: SafetensorsTensorInfo, name: string, file: string): Float32Array {
  const count = info.byteLength / DTYPE_BYTES[info.dtype];
  switch (info.dtype) {
    case 'F32':
      return new Float32Array(bytes.buffer, bytes.byteOffset, count);
    case 'F64':
      return Float32Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, count));
    case 'F16': {
      const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, count);
      return Float32Array.from(halves, halfToFloat);
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32: shift it back into place.
      const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, count);
      const words = Uint32Array.from(halves, (h) => h << 16);
      return new Float32Array(words.buffer);
    }
    default:
      throw new SafetensorsError(file, `tensor '${name}' has dtype ${info.dtype}; only ${READABLE_DTYPES.join(', ')} can be read as floats`);
  }
}

function lookup(header: SafetensorsHeader, name: string, file: string): SafetensorsTensorInfo {
  const info = header.tensors.get(name);
  if (!info) throw new SafetensorsError(file, `no tensor named '${name}' (the file has ${header.tensors.size} tensors)`);
  return info;
}

/**
 * Parses a whole safetensors file held in memory (the browser path), with the same validation as
 * `openSafetensors`.
 * @param bytes the file's bytes.
 * @param file a name for error messages (a URL or file name).
 */
export function parseSafetensors(bytes: Uint8Array, file = '<bytes>'): SafetensorsBytes {
  const n = headerLength(bytes.subarray(0, 8), bytes.length, file);
  const dataStart = 8 + n;
  const header = parseHeaderJson(bytes.subarray(8, dataStart), dataStart, bytes.length - dataStart, file);
  return {
    ...header,
    read(name) {
      const info = lookup(header, name, file);
      // slice() copies into a fresh, aligned buffer; the data offset itself need not be 4-aligned.
      return decodeFloats(bytes.slice(dataStart + info.begin, dataStart + info.end), info, name, file);
    },
  };
}

async function readExactly(handle: FileHandle, length: number, position: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(out, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
  return out;
}

/** Opens a weights file for reading; a folder, a missing or an unreadable file is named in plain words. */
async function openFile(path: string): Promise<FileHandle> {
  const { open } = await import('node:fs/promises');
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SafetensorsError(path, code === 'ENOENT' ? 'no such weights file' : code === 'EACCES' ? 'no permission to read this weights file' : `cannot open this weights file (${code ?? (error as Error).message})`);
  }
  const stat = await handle.stat();
  if (stat.isDirectory()) {
    await handle.close();
    throw new SafetensorsError(path, 'is a folder, not a weights file: give the .safetensors file itself');
  }
  return handle;
}

async function readHeaderFrom(handle: FileHandle, file: string): Promise<SafetensorsHeader> {
  const { size } = await handle.stat();
  const first8 = size >= 8 ? await readExactly(handle, 8, 0) : new Uint8Array(8);
  const n = headerLength(first8, size, file);
  const json = await readExactly(handle, n, 8);
  return parseHeaderJson(json, 8 + n, size - 8 - n, file);
}

/**
 * Reads and validates only the header of a safetensors file (8 + N bytes, not the tensors).
 * @throws SafetensorsError naming the file and the problem.
 */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  const handle = await openFile(path);
  try {
    return await readHeaderFrom(handle, path);
  } finally {
    await handle.close();
  }
}

/**
 * Opens a safetensors file, validates its header, and keeps the file handle open so `read(name)` fetches
 * one tensor's byte range at a time. Close it with `close()`.
 * @throws SafetensorsError naming the file and the problem.
 */
export async function openSafetensors(path: string): Promise<SafetensorsFile> {
  const handle = await openFile(path);
  let header: SafetensorsHeader;
  try {
    header = await readHeaderFrom(handle, path);
  } catch (e) {
    await handle.close();
    throw e;
  }
  return {
    ...header,
    async read(name) {
      const info = lookup(header, name, path);
      const bytes = await readExactly(handle, info.byteLength, header.dataStart + info.begin);
      return decodeFloats(bytes, info, name, path);
    },
    close: () => handle.close(),
  };
}

/**
 * Throws if `data` holds NaN or ±Infinity, naming the tensor, the first bad value and its index
 * (flat and, when `shape` is given, per dimension).
 */
export function assertFinite(data: Float32Array, tensor: string, file: string, shape?: readonly number[]): void {
  for (let i = 0; i < data.length; i++) {
    if (Number.isFinite(data[i])) continue;
    let bad = 0;
    for (let j = i; j < data.length; j++) if (!Number.isFinite(data[j])) bad++;
    const at = shape ? ` [${unravel(i, shape)}]` : '';
    throw new SafetensorsError(file, `tensor '${tensor}' has a non-finite value ${data[i]} at index ${i}${at} (${bad} of ${data.length} values are non-finite)`);
  }
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return index;
}

/** Options of `writeSafetensors`. */
export interface WriteOptions {
  /** Refuse to write NaN/Infinity (default true): a weights file with them is always a bug upstream. */
  checkFinite?: boolean;
}

/**
 * Writes float32 tensors to a safetensors file, streaming: the header, then each tensor in the given order.
 * The header is padded with spaces to a multiple of 8 bytes (as the spec allows) so the data buffer is
 * aligned. The file appears atomically: written to `<path>.tmp-<pid>` and renamed.
 */
export async function writeSafetensors(
  path: string,
  tensors: readonly TensorToWrite[],
  metadata: Record<string, string> = {},
  options: WriteOptions = {},
): Promise<void> {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || t.name in header) throw new SafetensorsError(path, `duplicate or reserved tensor name '${t.name}'`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new SafetensorsError(path, `tensor '${t.name}': shape [${t.shape}] has ${count} elements but data has ${t.data.length}`);
    }
    if (options.checkFinite ?? true) assertFinite(t.data, t.name, path, t.shape);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + padded).fill(0x20);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);

  const { open, rename, rm } = await import('node:fs/promises');
  const tmp = `${path}.tmp-${process.pid}`;
  const handle = await open(tmp, 'w');
  try {
    await handle.write(head);
    for (const t of tensors) await handle.write(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    await handle.close();
    await rename(tmp, path);
  } catch (e) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
}
