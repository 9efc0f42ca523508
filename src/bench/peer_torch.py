#!/usr/bin/env python3
"""The PyTorch CPU peer of `swagpu bench --peer torch` (spawned by src/bench/peer-torch.ts).

One style-transfer evaluation as src/bench/evaluate.ts times it for ResNet-50 (the resnet50-swag preset of
src/style/presets.ts): the same Keras ResNet-50 v1, read from swagpu's safetensors file (BatchNorm folded into
the convs at load, as src/models/resnet50.ts does), caffe preprocessing, forward to the taps, the SWAG softmax
smoothing on the stage-3/4 taps, content and Gram losses with the preset's weights, and autograd back to the image.
Losses exactly as src/style/losses.ts computes them (the normalised smoothing σ' = C·H·W·softmax, term weights
w/k² and w/k⁴), so the loss is the same number as ours.

Input: planar RGB float32 files (content, style; the optimised image starts at the content, as stylize() does).
Modes:
  --serve       print {"ready": true, "loss": first loss, ...} then, for each line "run" on stdin, run one
                evaluation and print {"ms": ..., "loss": ...}; the bench alternates these with its own runs.
  --runs N      one warm-up, N timed runs, print {"median_ms": ..., "runs_ms": [...], "loss": ...} and exit.
Needs only Python 3, numpy and torch (Debian: python3-torch, python3-numpy).
"""
import argparse
import json
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

STAGES = [(3, 64), (4, 128), (6, 256), (3, 512)]
CAFFE_MEAN_BGR = [103.939, 116.779, 123.68]
# src/style/presets.ts, RESNET50_SWAG
PRESET = {
    'content': ['stage3_block6'],
    'style': ['stem', 'stage1_block3', 'stage2_block4', 'stage3_block6', 'stage4_block3'],
    'style_layer_weights': [1, 64, 360, 3400, 1800],
    'smooth': {'stage3_block1', 'stage3_block2', 'stage3_block3', 'stage3_block4', 'stage3_block5', 'stage3_block6',
               'stage4_block1', 'stage4_block2', 'stage4_block3'},
    'content_weight': 1.0,
    'style_weight': 1e17,
}


def read_safetensors(path):
    """A minimal safetensors reader: an 8-byte little-endian header length, a JSON header, the raw tensors."""
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop('__metadata__', {})
    tensors = {}
    for name, t in header.items():
        if t['dtype'] != 'F32':
            raise SystemExit(f'{path}: tensor {name} is {t["dtype"]}, expected F32')
        begin, end = t['data_offsets']
        tensors[name] = torch.from_numpy(np.frombuffer(data, dtype='<f4', count=(end - begin) // 4, offset=begin).copy()).reshape(t['shape'])
    return meta, tensors


def load_resnet50(path):
    meta, w = read_safetensors(path)
    if meta.get('arch') != 'resnet50' or meta.get('variant') != 'keras-v1':
        raise SystemExit(f'{path}: expected a keras-v1 resnet50 weights file, got {meta.get("arch")} {meta.get("variant")}')
    eps = float(meta['bn_eps'])

    def conv(name, bn, stride, padding):
        s = w[f'{bn}.weight'] / torch.sqrt(w[f'{bn}.running_var'] + eps)
        bias = w.get(f'{name}.bias', torch.zeros_like(s))
        return (w[f'{name}.weight'] * s[:, None, None, None]).contiguous(), (bias - w[f'{bn}.running_mean']) * s + w[f'{bn}.bias'], stride, padding

    stem = conv('conv1', 'bn1', 2, 3)
    blocks = []
    for k, (n, _) in enumerate(STAGES):
        for i in range(n):
            p = f'layer{k + 1}.{i}'
            stride = 2 if i == 0 and k > 0 else 1
            blocks.append((f'stage{k + 1}_block{i + 1}', conv(f'{p}.conv1', f'{p}.bn1', stride, 0), conv(f'{p}.conv2', f'{p}.bn2', 1, 1),
                           conv(f'{p}.conv3', f'{p}.bn3', 1, 0), conv(f'{p}.downsample.0', f'{p}.downsample.1', stride, 0) if i == 0 else None))
    return stem, blocks


def features(net, x, taps, memory_format):
    """Caffe preprocessing (RGB 0..1 -> BGR x255 minus mean), then the trunk as deep as the deepest tap."""
    stem, blocks = net
    mean = torch.tensor(CAFFE_MEAN_BGR).view(1, 3, 1, 1)
    h = (x.flip(1) * 255 - mean).contiguous(memory_format=memory_format)
    run = lambda h, c: F.conv2d(h, c[0], c[1], c[2], c[3])
    out = {}
    h = F.relu(run(h, stem))
    if 'stem' in taps:
        out['stem'] = h
    h = F.max_pool2d(h, 3, 2, 1)
    for name, c1, c2, c3, sc in blocks:
        if len(out) == len(taps):
            break
        shortcut = run(h, sc) if sc is not None else h
        h = F.relu(run(F.relu(run(F.relu(run(h, c1)), c2)), c3) + shortcut)
        if name in taps:
            out[name] = h
    return out


def smoothed(tap, f):
    """σ' = k·softmax over all C·H·W values, k = C·H·W (src/style/losses.ts), on the preset's smoothed taps."""
    if tap not in PRESET['smooth']:
        return f, 1.0
    k = f.numel()
    return torch.softmax(f.reshape(1, -1), dim=1).reshape(f.shape) * k, float(k)


def gram(f):
    _, c, h, w = f.shape
    m = f.reshape(c, h * w)
    return m @ m.t() / (c * h * w)


def read_image(path, size):
    a = np.fromfile(path, dtype='<f4')
    if a.size != 3 * size * size:
        raise SystemExit(f'{path}: {a.size} floats, expected 3x{size}x{size}')
    return torch.from_numpy(a.copy()).reshape(1, 3, size, size)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--weights', required=True)
    ap.add_argument('--size', type=int, required=True)
    ap.add_argument('--content', required=True)
    ap.add_argument('--style', required=True)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--channels-last', action='store_true', help='NHWC activations (mkldnn\'s preferred layout on CPUs)')
    ap.add_argument('--keep-denormals', action='store_true',
                    help='compute subnormal floats exactly (slow on x86) instead of flushing them to zero')
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument('--serve', action='store_true')
    mode.add_argument('--runs', type=int)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    # PyTorch's fastest CPU path: the smoothed stage-3/4 features make the Gram gradients subnormal (as in our
    # engine before it moved the factor after the product), which x86 computes ~20x slower. Flushing them to zero
    # changes the loss in the last digits only; --keep-denormals measures the exact path.
    if not args.keep_denormals:
        torch.set_flush_denormal(True)
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    net = load_resnet50(args.weights)
    taps = set(PRESET['content']) | set(PRESET['style'])
    content = read_image(args.content, args.size)
    style = read_image(args.style, args.size)
    with torch.no_grad():
        fc = features(net, content, taps, memory_format)
        fs = features(net, style, taps, memory_format)
        content_targets = [smoothed(t, fc[t])[0] for t in PRESET['content']]
        style_targets = [gram(smoothed(t, fs[t])[0]) for t in PRESET['style']]
    x = content.clone().requires_grad_(True)

    def evaluate():
        x.grad = None
        f = features(net, x, taps, memory_format)
        loss = 0
        for t, target in zip(PRESET['content'], content_targets):
            s, k = smoothed(t, f[t])
            loss = loss + F.mse_loss(s, target) * (PRESET['content_weight'] / k ** 2)
        for t, lw, target in zip(PRESET['style'], PRESET['style_layer_weights'], style_targets):
            s, k = smoothed(t, f[t])
            loss = loss + F.mse_loss(gram(s), target) * (PRESET['style_weight'] * lw / k ** 4)
        loss.backward()
        return float(loss)

    def timed():
        t0 = time.perf_counter()
        loss = evaluate()
        return (time.perf_counter() - t0) * 1e3, loss

    desc = f'PyTorch {torch.__version__} CPU, {torch.get_num_threads()} threads{", channels-last" if args.channels_last else ""}'
    if args.serve:
        ms, loss = timed()  # the first evaluation: also the warm-up
        print(json.dumps({'ready': True, 'loss': loss, 'ms': ms, 'peer': desc, 'grad_abs_mean': float(x.grad.abs().mean())}), flush=True)
        for line in sys.stdin:
            if line.strip() != 'run':
                break
            ms, loss = timed()
            print(json.dumps({'ms': ms, 'loss': loss}), flush=True)
        return
    timed()
    times = []
    for _ in range(args.runs):
        ms, loss = timed()
        times.append(ms)
    print(json.dumps({'peer': desc, 'size': args.size, 'median_ms': float(np.median(times)), 'runs_ms': times, 'loss': loss}))


if __name__ == '__main__':
    main()
