/**
 * Waiting for GPU work in Node without keeping a CPU core busy.
 *
 * dawn.node (the npm package `webgpu`) settles its promises — onSubmittedWorkDone, mapAsync — by calling
 * wgpuInstanceProcessEvents from a setImmediate callback that queues itself again while any promise is pending
 * (AsyncRunner::ScheduleProcessEvents). So every await on the GPU keeps Node's main thread busy: 65 % of a core
 * was measured while a SwiftShader gemm ran. SwiftShader runs shaders on one worker thread per core, so on a
 * 2-core machine that loop takes a third of the machine from the kernels: the same gemm ran 1.3-1.5x faster
 * when the loop waited 1 ms between its turns instead (bench/NOTES.md, session 7). llvmpipe (Dawn's OpenGL
 * backend) measured no gain and lost up to ~2 ms per short wait, so it keeps the plain loop, as do hardware GPUs,
 * whose waits are short and take nothing from the kernels.
 *
 * dawn.node looks the global `setImmediate` up each time it queues the callback, so while one of these waits is
 * pending, the global is a 1 ms timer. Other code that calls setImmediate during the wait gets the same 1 ms
 * delay; the original is back as soon as the last pending wait settles.
 */

let pending = 0;
let original: typeof setImmediate | null = null;

const timer = ((callback: (...args: unknown[]) => void, ...args: unknown[]) => setTimeout(callback, 1, ...args)) as unknown as typeof setImmediate;

/**
 * `start()` (the call that creates the promise: it must be made inside, after the swap) awaited with dawn.node's
 * polling slowed to 1 ms; a plain await where `idle` is false or outside Node.
 */
export async function idleWait<T>(idle: boolean, start: () => Promise<T>): Promise<T> {
  if (!idle || typeof globalThis.setImmediate !== 'function') return start();
  if (pending++ === 0) {
    original = globalThis.setImmediate;
    globalThis.setImmediate = timer;
  }
  try {
    return await start();
  } finally {
    if (--pending === 0) {
      globalThis.setImmediate = original!;
      original = null;
    }
  }
}

/**
 * One turn of the event loop, even when everything awaited has already settled (an awaited settled promise is
 * only a microtask): Node handles signals in the poll phase, before a setImmediate callback runs; a browser
 * (no setImmediate) gets a task of its own, where a worker's messages (Stop, Pause) are delivered.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => (typeof globalThis.setImmediate === 'function' ? globalThis.setImmediate(resolve) : setTimeout(resolve, 0)));
}
