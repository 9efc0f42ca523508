// Runs the CLI as a user would (node bin/swagpu.js ...) and returns its exit code and output, never throwing.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface CliResult { code: number; stdout: string; stderr: string }

export async function swagpu(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec('node', ['bin/swagpu.js', ...args], { maxBuffer: 1 << 24, ...(env ? { env } : {}) });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
