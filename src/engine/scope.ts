/**
 * Scopes free GPU memory without reference counting (like tf.tidy): every tensor made inside
 * `scope(fn)` is disposed when fn returns, except the tensors in its result (Tensor, array or plain
 * object of them, any depth), which move to the enclosing scope, and tensors passed to `keep`.
 *
 *   const loss = scope(() => mseLoss(gram(features(x)), target)); // intermediates freed here
 *
 * `noGrad(fn)` runs fn without recording autograd nodes (inference, style-feature extraction).
 * Scopes nest through one stack: do not interleave two async scopes (await one before starting another).
 */

/**
 * What a scope needs of what it owns, a Tensor (tensor.ts registers each one with `track`): to free it
 * unless it is kept. Typed structurally so that scopes need not import the Tensor that uses them.
 */
export interface Scoped { kept: boolean; dispose(): void }

const stack: Set<Scoped>[] = [];

/** Called by the Tensor constructor: the innermost scope owns the new tensor. */
export function track(t: Scoped): void {
  stack[stack.length - 1]?.add(t);
}

/** Exempt `t` from every scope: it lives until `t.dispose()`. Returns t. */
export function keep<T extends Scoped>(t: T): T {
  t.kept = true;
  for (const s of stack) s.delete(t);
  return t;
}

/** The tensors in a scope's result (a Tensor, array, Map or plain object of them, any depth). */
function collect(value: unknown, out: Set<Scoped>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if ('use' in value && 'shape' in value && 'ctx' in value) { out.add(value as unknown as Scoped); return; }
  for (const v of Array.isArray(value) ? value : value instanceof Map ? value.values() : Object.values(value)) collect(v, out, depth + 1);
}

function close(owned: Set<Scoped>, result: unknown): void {
  const escaping = new Set<Scoped>();
  collect(result, escaping);
  for (const t of owned) {
    if (escaping.has(t) || t.kept) continue;
    t.dispose();
  }
  // Returned tensors now belong to the enclosing scope (if any).
  for (const t of escaping) if (owned.has(t)) track(t);
}

/** Run fn; free every tensor it made except the returned and kept ones. */
export function scope<T>(fn: () => T): T {
  if (typeof (fn as unknown) !== 'function') throw new Error('scope: expected a function');
  const owned = new Set<Scoped>();
  stack.push(owned);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    close(owned, undefined);
    throw e;
  }
  stack.pop();
  if (result instanceof Promise) {
    close(owned, undefined);
    throw new Error('scope: fn returned a Promise; use scopeAsync for async functions');
  }
  close(owned, result);
  return result;
}

/** Async `scope`: frees when the promise settles. Do not run two at once (they share one stack). */
export async function scopeAsync<T>(fn: () => Promise<T>): Promise<T> {
  const owned = new Set<Scoped>();
  stack.push(owned);
  const depth = stack.length;
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    stack.splice(depth - 1);
    close(owned, undefined);
    throw e;
  }
  if (stack[depth - 1] !== owned) throw new Error('scopeAsync: scopes interleaved (another async scope ran concurrently)');
  stack.splice(depth - 1);
  close(owned, result);
  return result;
}

/** Number of open scopes (tests check that every scope closed). */
export function scopeDepth(): number { return stack.length; }

let recording = true;

/** True while ops record autograd nodes (false inside noGrad and during backward). */
export function isRecording(): boolean { return recording; }

/** Run fn without recording: results do not require grad and hold no backward closures. */
export function noGrad<T>(fn: () => T): T {
  const before = recording;
  recording = false;
  try {
    return fn();
  } finally {
    recording = before;
  }
}

/** Run fn recording again, inside a noGrad (a recomputed segment's backward: checkpoint.ts). */
export function withGrad<T>(fn: () => T): T {
  const before = recording;
  recording = true;
  try {
    return fn();
  } finally {
    recording = before;
  }
}
