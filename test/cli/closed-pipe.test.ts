// `swagpu info | head -1`: the reader goes away before swagpu has written everything. The writes then
// fail with EPIPE; swagpu exits quietly (status 0, no stack trace) instead of Node's unhandled 'error'
// event. `| true` closes the pipe before the first write, so the EPIPE always happens.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findWeightsFile } from '../../src/models/weights-home.js';

/** The ResNet-50 weights wherever the weights rule finds them (the user cache, or a checkout's weights/). */
const RESNET_WEIGHTS = findWeightsFile('resnet50-keras.safetensors');

/** Runs `node bin/swagpu.js ARGS | READER`; returns swagpu's own exit status and the combined stderr. */
function piped(args: string, reader: string): Promise<{ status: number; stderr: string; stdout: string }> {
  const script = `node bin/swagpu.js ${args} | ${reader}; echo "swagpu-status \${PIPESTATUS[0]}" >&2`;
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { env: { ...process.env, SWAGPU_ADAPTER: 'llvmpipe' } }, (_e, stdout, stderr) => {
      const status = Number(/swagpu-status (\d+)/.exec(stderr)?.[1] ?? -1);
      resolve({ status, stdout, stderr: stderr.replace(/swagpu-status \d+\n/, '') });
    });
  });
}

const STACK = /\n\s+at .*:\d+:\d+\)?\n|EPIPE|Unhandled/;
const commands = ['info', 'info --json', ...(existsSync(RESNET_WEIGHTS) ? [`weights info ${RESNET_WEIGHTS}`] : [])];

describe('a closed stdout pipe', () => {
  for (const args of commands) {
    it(`swagpu ${args} | true, and | head -1`, async () => {
      const closed = await piped(args, 'true');
      expect(closed.stderr).not.toMatch(STACK);
      expect(closed.status, closed.stderr).toBe(0);
      const head = await piped(args, 'head -1');
      expect(head.stderr).not.toMatch(STACK);
      expect(head.status, head.stderr).toBe(0);
      expect(head.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    });
  }
});
