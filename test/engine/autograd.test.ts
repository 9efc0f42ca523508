import { expect, it } from 'vitest';
import { describeEachAdapter, randomArray, randn, assertClose } from '../harness.js';
import { oracleGrads, oracleValue } from '../oracle.js';
import { Tensor } from '../../src/engine/tensor.js';
import { keep, noGrad, scope } from '../../src/engine/scope.js';
import * as optimK from '../../src/kernels/optim/optim.js';
import { backward, zeroGrad } from '../../src/engine/autograd.js';
import { counters, since } from '../../src/engine/stats.js';
import { graphA, graphAFused, graphB, graphC, graphD, tfGraphA, tfGraphB, tfGraphD, tfGram, tfMse, type SmoothCase } from './graphs.js';
import * as ops from '../../src/engine/ops.js';
import { tf } from '../oracle.js';
import { gramPath } from '../../src/kernels/reduce/gram.js';
import type { Shape4 } from '../../src/kernels/shape.js';

interface Input { data: Float32Array; shape: number[] }
const input = (shape: number[], seed: number, std = 0.5): Input => ({ data: randn(shape.reduce((a, b) => a * b, 1), seed, std), shape });

/** Largest |v|, so gradient tolerances scale with the gradient (float32 sums of ~10³ terms). */
const maxAbs = (v: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i])); return m; };

describeEachAdapter('engine: autograd vs tf.grad', (getCtx) => {
  // Odd sizes: 3 input channels, 5 feature channels, 9x11 image.
  const xA = { data: randomArray(3 * 9 * 11, 1, 0, 1), shape: [1, 3, 9, 11] };
  const w1 = input([5, 3, 3, 3], 2);
  const b1 = input([5], 3, 0.1);
  const w2 = input([5, 5, 3, 3], 4, 0.3);
  const b2 = input([5], 5, 0.1);
  const gramT = input([1, 5, 5], 6, 0.2);

  // Tolerances. Loss: rtol 1e-4 (float32 reductions over ~500 terms in a different order than tfjs).
  // Gradients: atol 1e-4·max|grad| + rtol 1e-3: entries near zero carry the rounding of the large ones.
  const checkGrad = (got: Float32Array, want: Float32Array, what: string, shape: number[]) =>
    assertClose(got, want, { atol: 1e-4 * maxAbs(want), rtol: 1e-3, what, shape });

  it('graph A: conv → ReLU → conv → add(residual) → ReLU → Gram → MSE: loss and every gradient', async () => {
    const ctx = await getCtx();
    const inputs = [xA, w1, b1, w2, b2, gramT];
    const ts = inputs.map((i, k) => Tensor.from(ctx, i.data, i.shape, { requiresGrad: k < 5 }));
    const loss = scope(() => {
      const l = graphA(ts[0], ts[1], ts[2], ts[3], ts[4], ts[5]);
      backward(l);
      return l;
    });
    const want = oracleValue(tfGraphA as never, inputs)[0];
    const wantGrads = oracleGrads(tfGraphA as never, inputs);
    assertClose(await loss.read(), [want], { atol: 1e-7, rtol: 1e-4, what: 'graph A loss' });
    const names = ['dx', 'dw1', 'db1', 'dw2', 'db2'];
    for (let k = 0; k < 5; k++) checkGrad(await ts[k].grad!.read(), wantGrads[k], `graph A ${names[k]}`, inputs[k].shape);
    for (const t of [...ts, loss]) t.dispose();
  });

  // conv2d's `residual` (relu(conv + b + shortcut) as one op): the 3x3 conv adds the shortcut in an
  // accumulate pass after the Winograd/direct kernel, the 1x1 conv (32 channels, 6x6: the gemm route) in the
  // gemm's store. The shortcut's gradient is the masked dy; in graph A it is also the conv's input (a fan-out).
  const xD = input([1, 32, 6, 6], 11, 0.5);
  const w1D = input([16, 32, 1, 1], 12, 0.25);
  const b1D = input([16], 13, 0.1);
  const w2D = input([32, 16, 1, 1], 14, 0.25);
  const b2D = input([32], 15, 0.1);
  const gramD = input([1, 32, 32], 16, 0.05);
  for (const [name, ours, theirs, inputs] of [
    ['graph A, the residual fused into the 3x3 conv', graphAFused, tfGraphA, [xA, w1, b1, w2, b2, gramT]],
    ['graph D, the shortcut fused into a 1x1 conv (gemm addend)', graphD, tfGraphD, [xD, w1D, b1D, w2D, b2D, gramD]],
  ] as const) {
    it(`${name}: loss and every gradient; no add or relu pass on the 1x1 route`, async () => {
      const ctx = await getCtx();
      const ts = inputs.map((i, k) => Tensor.from(ctx, i.data, i.shape, { requiresGrad: k < 5 }));
      ctx.submit();
      const before = counters(ctx);
      const loss = scope(() => {
        const l = ours(ts[0], ts[1], ts[2], ts[3], ts[4], ts[5]);
        backward(l);
        return l;
      });
      const step = since(ctx, before);
      if (ours === graphD) {
        expect(step.kernels.add ?? 0).toBe(0);
        expect(step.kernels.relu ?? 0).toBe(0);
        expect(step.kernels.accumulateRelu ?? 0).toBe(0);
      } else expect(step.kernels.accumulateRelu).toBe(1);
      const want = oracleValue(theirs as never, inputs as never)[0];
      const wantGrads = oracleGrads(theirs as never, inputs as never);
      assertClose(await loss.read(), [want], { atol: 1e-7, rtol: 1e-4, what: `${name} loss` });
      const names = ['dx', 'dw1', 'db1', 'dw2', 'db2'];
      for (let k = 0; k < 5; k++) checkGrad(await ts[k].grad!.read(), wantGrads[k], `${name} ${names[k]}`, inputs[k].shape);
      for (const t of [...ts, loss]) t.dispose();
    });
  }

  it('conv2d residual: a shape other than the output\'s is refused, naming both', async () => {
    const ctx = await getCtx();
    const x = Tensor.from(ctx, new Float32Array(2 * 16), [1, 2, 4, 4]);
    const w = Tensor.from(ctx, new Float32Array(3 * 2), [3, 2, 1, 1]);
    const r = Tensor.from(ctx, new Float32Array(2 * 16), [1, 2, 4, 4]);
    expect(() => ops.conv2d(x, w, null, { residual: r })).toThrow(/conv2dResidual: residual \[1, ?2, ?4, ?4\] must have the output's shape \[1, ?3, ?4, ?4\]/);
    for (const t of [x, w, r]) t.dispose();
  });

  // gramLoss fuses mse(gram(f), A) and, A being a Gram, multiplies the symmetric dL/dG by F without
  // transposing it: [1,64,6,6] takes gramBackward's gemm path on the CPU adapters (64 channels, 36 pixels),
  // [2,5,7,3] the register kernel (5 channels, 21 pixels).
  for (const shape of [[1, 64, 6, 6], [2, 5, 7, 3]]) {
    it(`gramLoss ${shape}: value and both gradients equal mse(gram(f), A) and tf.grad; a wrong target shape is named`, async () => {
      const ctx = await getCtx();
      const [n, c] = shape;
      const f = input(shape, 11, 1);
      // A: the Gram of other features (symmetric, as style targets are), scaled so the loss is not tiny.
      const other = Tensor.from(ctx, randn(f.data.length, 12, 1), shape);
      const otherGram = noGrad(() => scope(() => ops.gram(other)));
      const aData = await otherGram.read();
      otherGram.dispose();
      const a = { data: aData.map((v) => 0.7 * v), shape: [n, c, c] };
      const run = async (fused: boolean) => {
        const ft = Tensor.from(ctx, f.data, shape, { requiresGrad: true });
        const at = Tensor.from(ctx, a.data, a.shape, { requiresGrad: true });
        const before = ctx.dispatchCounts.get('gemm') ?? 0;
        const loss = scope(() => {
          const l = fused ? ops.gramLoss(ft, at) : ops.mseLoss(ops.gram(ft), at);
          backward(l);
          return l;
        });
        const out = { loss: (await loss.read())[0], df: await ft.grad!.read(), da: await at.grad!.read(), gemms: (ctx.dispatchCounts.get('gemm') ?? 0) - before };
        for (const t of [ft, at, loss]) t.dispose();
        return out;
      };
      const fused = await run(true);
      const plain = await run(false);
      const tfLoss = (x: tf.Tensor, t: tf.Tensor) => tfMse(tfGram(x), t);
      const want = oracleValue(tfLoss as never, [f, a])[0];
      const [wantDf, wantDa] = oracleGrads(tfLoss as never, [f, a]);
      assertClose([fused.loss], [want], { atol: 0, rtol: 1e-4, what: 'gramLoss value' });
      assertClose([fused.loss], [plain.loss], { atol: 0, rtol: 1e-5, what: 'gramLoss vs mse(gram)' });
      checkGrad(fused.df, wantDf, 'gramLoss dF', shape);
      checkGrad(fused.df, plain.df, 'gramLoss dF vs mse(gram)', shape);
      checkGrad(fused.da, wantDa, 'gramLoss dA', [n, c, c]);
      // On the CPU adapters the 64-channel case's fused backward is one gemm (no transpose, no sum); the
      // unfused one takes the register kernel there, and 5 channels do not fit the gemm tile. The forward is a
      // gemm too where gramPath routes it so (SwiftShader).
      const forwardGemms = c === 64 && gramPath(ctx, shape as Shape4, 'forward') === 'gemm' ? 1 : 0;
      if (ctx.gpu.adapter.kind !== 'gpu') expect([fused.gemms, plain.gemms]).toEqual(c === 64 ? [forwardGemms + 1, forwardGemms] : [0, 0]);
      const t = Tensor.from(ctx, new Float32Array(c * c), [1, c, c]);
      const x = Tensor.from(ctx, f.data, shape);
      if (n > 1) expect(() => scope(() => ops.gramLoss(x, t))).toThrow(`gramLoss: target Gram [1,${c},${c}] does not match features [${shape}] (needs [${n},${c},${c}])`);
      for (const u of [t, x, other]) u.dispose();
    });
  }

  // Issue 23: the factor 2·dy/n went onto dL/dG before its product with F; with a small loss weight dL/dG was
  // subnormal (x86 computes those ~25x slower: 0.7 s for one gemm at ResNet-50's 2048-channel tap). Now the
  // product kernels get G − A and the factor comes after: their first operand holds no subnormal float at any
  // weight. Both routes: gemm ([1,64,8,8] on the CPU adapters) and the register kernel ([2,5,7,3]).
  for (const shape of [[1, 64, 8, 8], [2, 5, 7, 3]]) {
    it(`gramLoss ${shape} backward with a loss weight of 2^-120: no subnormal float enters the product kernels`, async () => {
      const ctx = await getCtx();
      const [n, c] = shape;
      const f = Tensor.from(ctx, input(shape, 21, 1).data, shape, { requiresGrad: true });
      const other = Tensor.from(ctx, input(shape, 22, 1).data, shape);
      const a = noGrad(() => scope(() => keep(ops.mulScalar(ops.gram(other), 0.7))));
      const operands: GPUBuffer[] = [];
      const launch = ctx.launch.bind(ctx);
      let backwardPass = false;
      ctx.launch = (spec, args) => {
        launch(spec, args);
        if (!backwardPass || !/^(gemm|gram)/.test(spec.name)) return;
        const src = args.buffers[0] as GPUBuffer;
        const copy = ctx.pool.acquire(src.size, 'test: product operand');
        optimK.copy(ctx, { src, dst: copy, n: src.size / 4 });
        operands.push(copy);
      };
      try {
        scope(() => {
          const loss = ops.weightedSum([ops.gramLoss(f, a)], [2 ** -120]);
          backwardPass = true;
          backward(loss);
        });
      } finally {
        ctx.launch = launch;
      }
      expect(operands.length).toBeGreaterThan(0);
      for (const b of operands) {
        const v = await ctx.readF32(b, b.size / 4);
        const subnormal = v.filter((x) => x !== 0 && Math.abs(x) < 2 ** -126).length;
        expect(subnormal, `subnormal floats in a product operand of gramLoss's backward at [${shape}] (C = ${c}, N = ${n})`).toBe(0);
        ctx.pool.release(b);
      }
      for (const t of [f, other, a]) t.dispose();
    });
  }

  it('graph B: maxPool, strided conv, MSE on features, TV, weighted sum: loss and input gradient', async () => {
    const ctx = await getCtx();
    const x = { data: randomArray(3 * 13 * 10, 7, 0, 1), shape: [1, 3, 13, 10] };
    const wB2 = input([5, 5, 3, 3], 8, 0.3);
    const contentQ = input([1, 5, 4, 3], 9, 0.3); // conv stride 2 on 6x5 → 3x3? (6+2-3)/2+1=3, (5+2-3)/2+1=3
    contentQ.shape = [1, 5, 3, 3];
    contentQ.data = contentQ.data.slice(0, 45);
    const inputs = [x, w1, b1, wB2, gramT, contentQ];
    const ts = inputs.map((i, k) => Tensor.from(ctx, i.data, i.shape, { requiresGrad: k === 0 }));
    const loss = scope(() => {
      const l = graphB(ts[0], ts[1], ts[2], ts[3], ts[4], ts[5]);
      backward(l);
      return l;
    });
    const want = oracleValue(tfGraphB as never, inputs)[0];
    assertClose(await loss.read(), [want], { atol: 1e-7, rtol: 1e-4, what: 'graph B loss' });
    checkGrad(await ts[0].grad!.read(), oracleGrads(tfGraphB as never, inputs)[0], 'graph B dx', x.shape);
    expect(ts[1].grad).toBeNull(); // frozen
    for (const t of [...ts, loss]) t.dispose();
  });

  // SWAG smoothing in the chain, with the style code's output scale k ≈ 1/mean(σ) (5·9·11 = 495 for the
  // whole-map softmax, C = 5 for the channel softmax) so the Gram terms are O(1).
  const smoothCases: SmoothCase[] = [
    { mode: 'softmax', temperature: 0.5, outputScale: 5 * 9 * 11 },
    { mode: 'channel-softmax', temperature: 2, outputScale: 5 },
  ];
  for (const c of smoothCases) {
    it(`graph C: conv → ReLU → conv → add(residual) → smooth(${c.mode}, T=${c.temperature}) → Gram/MSE: loss and input gradient`, async () => {
      const ctx = await getCtx();
      const { ours, tf: theirs } = graphC(c);
      const content = { data: randomArray(5 * 9 * 11, 21, 0, 2), shape: [1, 5, 9, 11] };
      const target = { data: randomArray(25, 22, 0, 2), shape: [1, 5, 5] };
      const inputs = [xA, w1, b1, w2, target, content];
      const ts = inputs.map((i, k) => Tensor.from(ctx, i.data, i.shape, { requiresGrad: k === 0 }));
      const loss = scope(() => {
        const l = ours(ts[0], ts[1], ts[2], ts[3], ts[4], ts[5]);
        backward(l);
        return l;
      });
      assertClose(await loss.read(), oracleValue(theirs as never, inputs), { atol: 1e-7, rtol: 1e-4, what: `graph C (${c.mode}) loss` });
      checkGrad(await ts[0].grad!.read(), oracleGrads(theirs as never, inputs)[0], `graph C (${c.mode}) dx`, xA.shape);
      for (const t of [...ts, loss]) t.dispose();
    });
  }

  it('directional derivative on the GPU: <∇f(x), v> ≈ (f(x+εv) − f(x−εv)) / 2ε', async () => {
    // f = graph B (ReLU, max-pool, Gram, MSE, TV; f ≈ 3), v a random unit direction (‖v‖₂ = 1), 3 seeds.
    // Choosing ε in float32: each evaluation of f carries rounding δ ≈ 1e-6 (sums of ~10³ terms of
    // f ≈ 3, ulp 2.4e-7), so the quotient carries δ/ε; f is piecewise smooth (ReLU, max-pool), so a
    // large ε adds curvature and kink-crossing error ~ε. Measured here: ε = 1e-3 → error up to 5e-4
    // (rounding), ε = 1e-2 → up to 2e-3 (kinks), ε = 3e-3 → ≤ 1e-4. Tolerance 2e-4·‖∇f‖₂ (≈ 5e-4:
    // the scale of <∇f, v> is ‖∇f‖/√n ≈ 0.1, so a wrong gradient shows).
    const ctx = await getCtx();
    const shape = [1, 3, 13, 10];
    const n = 3 * 13 * 10;
    const x0 = randomArray(n, 7, 0, 1);
    const wB2 = input([5, 5, 3, 3], 8, 0.3);
    const contentQ = { data: randn(45, 9, 0.3), shape: [1, 5, 3, 3] };
    const fixed = [w1, b1, wB2, gramT, contentQ].map((i) => Tensor.from(ctx, i.data, i.shape));
    const f = (xs: Float32Array) => noGrad(() => scope(() => graphB(Tensor.from(ctx, xs, shape), ...(fixed as [Tensor, Tensor, Tensor, Tensor, Tensor]))));
    const x = Tensor.from(ctx, x0, shape, { requiresGrad: true });
    scope(() => backward(graphB(x, ...(fixed as [Tensor, Tensor, Tensor, Tensor, Tensor]))));
    const g = await x.grad!.read();
    const gNorm = Math.sqrt(g.reduce((s, v) => s + v * v, 0));
    const eps = 3e-3;
    for (const seed of [11, 12, 13]) {
      const v = randn(n, seed);
      const vNorm = Math.sqrt(v.reduce((s, e) => s + e * e, 0));
      for (let i = 0; i < n; i++) v[i] /= vNorm;
      const dd = g.reduce((s, gi, i) => s + gi * v[i], 0);
      const plus = f(x0.map((xi, i) => xi + eps * v[i]));
      const minus = f(x0.map((xi, i) => xi - eps * v[i]));
      const fd = ((await plus.read())[0] - (await minus.read())[0]) / (2 * eps);
      plus.dispose();
      minus.dispose();
      expect(Math.abs(fd - dd), `direction ${seed}: fd ${fd}, <grad, v> ${dd}, |grad| ${gNorm}`).toBeLessThan(2e-4 * gNorm);
    }
    x.dispose();
    fixed.forEach((t) => t.dispose());
  });

  it('frozen weights: conv2dBackwardWeight never runs when only the image needs a gradient', async () => {
    const ctx = await getCtx();
    const inputs = [xA, w1, b1, w2, b2, gramT];
    const run = (weightsTrainable: boolean) => {
      const ts = inputs.map((i, k) => Tensor.from(ctx, i.data, i.shape, { requiresGrad: k === 0 || (weightsTrainable && k < 5) }));
      ctx.submit();
      const before = counters(ctx);
      scope(() => backward(graphA(ts[0], ts[1], ts[2], ts[3], ts[4], ts[5])));
      const step = since(ctx, before);
      ts.forEach((t) => t.dispose());
      return step;
    };
    // Each backward-weight launches either its direct kernel or, as gemm (conv2d.ts), one im2colTransposed.
    const weightGrads = (k: Record<string, number>) => (k.conv2dBackwardWeight ?? 0) + (k.im2colTransposed ?? 0);
    const frozen = run(false);
    expect(weightGrads(frozen.kernels)).toBe(0);
    expect(frozen.kernels.conv2dBackwardBias ?? 0).toBe(0);
    expect(frozen.kernels.conv2dBackwardInput).toBe(2); // the image gradient still flows through both convs
    expect(frozen.submits).toBe(0); // forward + backward record into one encoder; nothing was read back
    const trained = run(true);
    expect(weightGrads(trained.kernels)).toBe(2);
    expect(trained.kernels.conv2dBackwardBias).toBe(2);
    expect(trained.dispatches).toBeGreaterThan(frozen.dispatches);
    await ctx.sync();
  });

  it('fan-out: a tensor used by two consumers gets the sum of both gradients', async () => {
    // graph A's h1 feeds both conv2 and the residual add; compare to tf (above) already covers it —
    // here, the same leaf used twice by one op and by two ops.
    const ctx = await getCtx();
    const x = Tensor.from(ctx, [0.5, -0.25, 2], [1, 1, 1, 3], { requiresGrad: true });
    const { sum, add, relu, mulScalar } = await import('../../src/engine/ops.js');
    scope(() => backward(sum(add(add(x, x), mulScalar(relu(x), 3))))); // d/dx = 2 + 3·[x > 0]
    expect(Array.from(await x.grad!.read())).toEqual([5, 2, 5]);
    zeroGrad(x);
    x.dispose();
  });
});
