/** Does this browser have WebGPU with an adapter? If not, what to tell the user. */
export const WEBGPU_HELP =
  'swagpu needs WebGPU. It works in Chrome or Edge 113+ (Windows, macOS, ChromeOS, Android), Safari 26, ' +
  'and Firefox 141+ on Windows. On Linux, start Chrome with --enable-unsafe-webgpu ' +
  '(and --enable-features=Vulkan if no adapter is found). Check chrome://gpu for "WebGPU: Hardware accelerated".';

/** null when WebGPU is usable, else the reason (followed by WEBGPU_HELP on the page). */
export async function webgpuProblem(): Promise<string | null> {
  if (!window.isSecureContext) return 'WebGPU needs a secure context (https:// or http://localhost / 127.0.0.1).';
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return 'This browser has no WebGPU (navigator.gpu is missing).';
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) return 'WebGPU is present but no GPU adapter is available (it may be disabled, blocklisted, or the driver is missing).';
  return null;
}
