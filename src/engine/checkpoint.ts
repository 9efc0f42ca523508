/**
 * Activation recomputation (Chen, Xu, Zhang, Guestrin 2016, "Training Deep Nets with Sublinear Memory
 * Cost"): a network is a chain of units (a ResNet block, a VGG layer), each ending at a named tap. With
 * a checkpoint plan, the forward pass keeps only the outputs of some units (the checkpoints, and every
 * tap the loss reads); the activations inside each segment between checkpoints are freed at once and
 * recomputed during the backward pass, where the segment's vector-Jacobian product is taken through the
 * recomputed graph. Memory: checkpoints + one segment's activations instead of every activation, for
 * one more forward pass. The kernels are deterministic and see the same inputs, so the recomputed values,
 * hence the loss and the gradient, are the same as without recomputation (test/engine/checkpoint.test.ts).
 *
 * Without grad (targets, calibration) each unit's intermediates are freed as soon as the next unit has
 * consumed them: inference holds two units' outputs, not the whole network's.
 */
import { backward, record } from './autograd.js';
import { isRecording, keep, noGrad, scope, withGrad } from './scope.js';
import { Tensor } from './tensor.js';

/** One link of the chain: `run` maps the previous unit's output to this unit's, the tap `tap`. */
export interface Unit { tap: string; run(x: Tensor): Tensor }

/** The unit outputs kept during the forward pass besides the wanted taps; null: keep every activation. */
export type Checkpoints = readonly string[] | null;

/**
 * Run the units up to the deepest wanted tap; returns the wanted taps (the rest belongs to the caller's scope
 * or is freed). With grad and checkpoints, the backward pass frees each segment's output (a returned tap
 * too) once its gradient has gone through: read the taps before calling backward.
 */
export function runUnits(x: Tensor, units: readonly Unit[], wanted: readonly string[], checkpoints: Checkpoints = null): Map<string, Tensor> {
  const deepest = Math.max(...wanted.map((t) => units.findIndex((u) => u.tap === t)));
  const out = new Map<string, Tensor>();
  const grad = isRecording() && x.requiresGrad;
  if (grad && !checkpoints) { // plain: every activation stays for the backward pass
    let h = x;
    for (let i = 0; i <= deepest; i++) {
      h = units[i].run(h);
      if (wanted.includes(units[i].tap)) out.set(units[i].tap, h);
    }
    return out;
  }
  let h = x;
  let start = 0;
  for (let i = 0; i <= deepest; i++) {
    const tap = units[i].tap;
    const isWanted = wanted.includes(tap);
    if (grad && !(isWanted || i === deepest || checkpoints!.includes(tap))) continue;
    const segment = units.slice(start, i + 1);
    const next: Tensor = grad ? recomputed(h, segment) : scope(() => units[i].run(h));
    if (!grad && h !== x && !out.has(units[i - 1].tap)) h.dispose();
    h = next;
    start = i + 1;
    if (isWanted) out.set(tap, h);
  }
  return out;
}

/** Units run without recording, freeing as they go. */
function forwardFree(x: Tensor, units: readonly Unit[]): Tensor {
  let h = x;
  for (const u of units) {
    const next = scope(() => u.run(h));
    if (h !== x) h.dispose();
    h = next;
  }
  return h;
}

/** One segment: its output now, its activations recomputed (with recording) when its gradient arrives. */
function recomputed(x: Tensor, units: readonly Unit[]): Tensor {
  const name = units.length === 1 ? units[0].tap : `${units[0].tap}..${units[units.length - 1].tap}`;
  return recompute(x, name, (h) => forwardFree(h, units), (h) => {
    for (const u of units) h = u.run(h);
    return h;
  }, true);
}

/**
 * y = f(x) computed without recording (`free`, which may free its intermediates as it goes), with f's
 * graph rebuilt by `run` from x when y's gradient arrives: only x and y are kept between the passes (y not
 * even after its gradient is taken, with `releaseOutput`: for network segments, whose outputs nothing reads
 * after the backward pass).
 * Used for network segments and, under a memory budget, for loss terms (style/objective.ts), whose
 * smoothed copies and Gram matrices then exist only while their own gradient is taken.
 */
export function recompute(x: Tensor, name: string, free: (x: Tensor) => Tensor, run: (x: Tensor) => Tensor = free, releaseOutput = false): Tensor {
  const y = noGrad(() => scope(() => free(x)));
  return record(`checkpoint ${name}`, [x], y, (gy, _needs, owned) => [withGrad(() => scope(() => {
    // y's consumers (the next segment, loss terms) took their gradients before this (reverse order): with
    // releaseOutput, y is freed now rather than at the end of the backward pass.
    if (releaseOutput) y.dispose();
    // A leaf on x's buffer (never disposed: x owns the buffer), so the inner backward stops here.
    const leaf = keep(new Tensor(x.ctx, x.shape, x.use(`checkpoint ${name}`), `checkpoint ${name} input`, true));
    const h = run(leaf);
    // gy, when this node owns it, is handed over: the first op may overwrite it (a ReLU mask in place).
    backward(h, { gradient: gy, consume: owned });
    const gx = leaf.grad!;
    leaf.grad = null;
    return gx;
  }))]);
}
