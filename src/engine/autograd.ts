/**
 * Reverse-mode autograd over GPU tensors, micrograd style. Each op, while recording, gives its output a
 * Node (tensor.ts): the inputs and a backward closure written right under the forward it differentiates
 * (the ops-*.ts files). `backward(loss)` sorts the graph topologically and walks it in reverse, handing
 * each node dLoss/dOutput and collecting dLoss/dInput.
 *
 * What makes it fit for GPU memory and speed:
 * - Only inputs with requiresGrad get a gradient (tinygrad's needs_input_grad): with frozen weights the
 *   weight gradient kernels never run.
 * - A gradient is freed the moment its node has consumed it; a tensor used twice (a residual fan-out)
 *   sums its gradients in place with the accumulate kernel. Closures may pass dy on unchanged (add does);
 *   a small holder count keeps such shared gradients alive until their last consumer is done.
 * - Nothing reads back: the seed dLoss/dLoss = 1 is filled on the GPU, and everything stays in the
 *   step's command encoder.
 * Leaf gradients land in `leaf.grad` (owned by the leaf, exempt from scopes) and accumulate across
 * backward calls, as in PyTorch: free them with `zeroGrad` between steps.
 */
import { accumulate, copy, fill } from '../kernels/pointwise/add.js';
import { sameShape } from './check.js';
import { keep, noGrad, isRecording } from './scope.js';
import { Tensor, fmtShape, type Node } from './tensor.js';

/**
 * Called by every op after its forward launch: if recording and some input requires grad, the output
 * requires grad and remembers how to differentiate. Returns the output.
 */
export function record(op: string, inputs: Tensor[], output: Tensor, backward: Node['backward']): Tensor {
  if (isRecording() && inputs.some((t) => t.requiresGrad)) {
    output.requiresGrad = true;
    output.node = { op, inputs, backward };
  }
  return output;
}

/** Tensors reachable from `root` through nodes, inputs before outputs (micrograd's build_topo). */
function topoSort(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const visit = (t: Tensor): void => {
    if (seen.has(t) || !t.requiresGrad) return;
    seen.add(t);
    for (const x of t.node?.inputs ?? []) visit(x);
    order.push(t);
  };
  visit(root);
  return order;
}

/**
 * Backpropagate from a scalar loss: fills `.grad` of every leaf with requiresGrad that the loss depends on.
 * With `gradient` (dLoss/dOutput, same size; not consumed unless `consume`) `loss` may be any output: the
 * vector-Jacobian product that recomputed segments need (checkpoint.ts).
 */
export function backward(loss: Tensor, opts: { seed?: number; gradient?: Tensor; consume?: boolean } = {}): void {
  if (!opts.gradient && loss.size !== 1) throw new Error(`backward: loss must be a scalar (one element), got shape ${fmtShape(loss.shape)}`);
  if (!loss.requiresGrad) throw new Error('backward: the loss does not require grad (no input requires grad, or it was computed under noGrad)');
  const ctx = loss.ctx;
  const grads = new Map<Tensor, Tensor>(); // tensor -> dLoss/dTensor, summed so far
  const holders = new Map<Tensor, number>(); // gradient tensor -> how many map entries / pending uses hold it
  const hold = (g: Tensor) => holders.set(g, (holders.get(g) ?? 0) + 1);
  const drop = (g: Tensor) => {
    const n = holders.get(g)! - 1;
    if (n > 0) holders.set(g, n);
    else { holders.delete(g); g.dispose(); }
  };
  const addGrad = (t: Tensor, g: Tensor, op: string) => {
    if (g.size !== t.size) throw new Error(`${op} backward: gradient ${fmtShape(g.shape)} does not match its input ${fmtShape(t.shape)}`);
    hold(g);
    const sum = grads.get(t);
    if (!sum) { grads.set(t, g); return; }
    if (holders.get(sum) === 1) { // ours alone: sum in place
      accumulate(ctx, sum.use(`${op} backward (accumulate)`), g.use(`${op} backward (accumulate)`), t.size);
      drop(g);
    } else { // shared with another tensor's entry: sum into a fresh buffer
      const fresh = Tensor.empty(ctx, t.shape, { label: `${op} grad` });
      copy(ctx, sum.use(op), fresh.use(op), t.size);
      accumulate(ctx, fresh.use(op), g.use(op), t.size);
      hold(fresh);
      grads.set(t, fresh);
      drop(sum);
      drop(g);
    }
  };

  noGrad(() => {
    // Held once more: never summed into in place, never freed here; unless the caller hands it over (`consume`:
    // a recomputed segment whose own gradient nothing else holds), then it is overwritten and freed like any.
    if (opts.gradient && !opts.consume) hold(opts.gradient);
    const seed = opts.gradient ?? Tensor.empty(ctx, loss.shape, { label: 'backward seed' });
    if (!opts.gradient) fill(ctx, seed.use('backward seed'), 1, opts.seed ?? 1);
    addGrad(loss, seed, 'backward');
    for (const t of topoSort(loss).reverse()) {
      const node = t.node;
      const gy = grads.get(t);
      if (!node || !gy) continue; // a leaf (handled below), or nothing flowed here
      grads.delete(t);
      const needs = node.inputs.map((x) => x.requiresGrad);
      const gxs = node.backward(gy, needs, holders.get(gy) === 1);
      gxs.forEach((g, i) => { if (g && needs[i]) addGrad(node.inputs[i], g, node.op); });
      for (const g of gxs) if (g && g !== gy && !holders.has(g)) g.dispose(); // made but not wanted
      drop(gy);
    }
    // What is left are leaves: give each its own gradient buffer, exempt from scopes.
    for (const [t, g] of grads) {
      t.use('backward (leaf gradient)');
      let own = g;
      if (holders.get(g) !== 1 || g === opts.gradient || !sameShape(g.shape, t.shape)) { // shared by two leaves, the caller's, or shaped [1] for [1,1]: copy
        own = Tensor.empty(ctx, t.shape, { label: 'grad' });
        copy(ctx, g.use('backward'), own.use('backward'), t.size);
        drop(g);
      } else holders.delete(g);
      if (t.grad && !t.grad.disposed) {
        accumulate(ctx, t.grad.use('backward (accumulate into .grad)'), own.use('backward'), t.size);
        own.dispose();
      } else t.grad = keep(own);
    }
  });
}

/** Free the gradients of `tensors` (call between optimisation steps). */
export function zeroGrad(...tensors: Tensor[]): void {
  for (const t of tensors) {
    t.grad?.dispose();
    t.grad = null;
  }
}
