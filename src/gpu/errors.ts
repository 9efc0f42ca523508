/**
 * GPU errors arrive late: a shader's compile messages, a submit's error scopes and a pooled buffer's
 * out-of-memory scope resolve as promises after the call that caused them has returned. `DeferredErrors`
 * collects those checks and throws the first error found at the next launch, submit or read, so a failure
 * is loud and names its cause (the kernel, the size) instead of a hang or a silently invalid buffer.
 */
import type { Gpu } from './device.js';

/** Pending checks past this many are merged into one promise, so a long run does not accumulate them. */
const MAX_PENDING_CHECKS = 64;

export class DeferredErrors {
  private first: Error | null = null;
  private pending: Promise<void>[] = [];

  constructor(private readonly gpu: Gpu) {}

  /** Keep the error (if any) that `check` resolves to; the first error found is the one thrown. */
  watch(check: Promise<Error | null | undefined>): void {
    this.pending.push(check.then((error) => { if (error) this.first ??= error; }));
  }

  /** Merge the pending checks into one once they are many (called after each submit). */
  compact(): void {
    if (this.pending.length > MAX_PENDING_CHECKS) {
      const checks = this.pending.splice(0);
      this.pending.push(Promise.all(checks).then(() => undefined));
    }
  }

  /** Wait for every pending check. */
  async settle(): Promise<void> {
    await Promise.all(this.pending.splice(0));
  }

  /** Throw if the device was lost, else the first error found so far (once). */
  throwIfFailed(): void {
    if (this.gpu.lost) throw new Error(`GPU device lost (${this.gpu.lost.reason}): ${this.gpu.lost.message || 'no message'}`);
    if (this.first) {
      const e = this.first;
      this.first = null;
      throw e;
    }
  }
}
