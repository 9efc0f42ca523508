// Quiet stderr where the CLI cannot filter Dawn's warnings itself (bin/swagpu.js decides): this process runs
// the CLI as a child with stdin and stdout passed through untouched (the same descriptors: `| head -1` ends
// the child as it would end the CLI) and stderr piped, prints the child's stderr without Dawn's known-benign
// lines (src/gpu/driver-stderr-filter.js), forwards signals, and ends as the child ended: its exit code, or
// death by its signal.
//
// The child runs in a process group of its own (detached), so a Ctrl-C on a terminal reaches it once, through
// this process, not twice (the CLI's stylize takes a second SIGINT as "stop now, without saving"). In exchange
// the child watches this process (watchWrapper) and stops as on SIGTERM if it goes away (a SIGKILL).
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DriverTextFilter } from '../src/gpu/driver-stderr-filter.js';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** Run `swagpu argv` as a child with its stderr filtered; never returns (the process ends as the child did). */
export function runFiltered(argv) {
  const script = fileURLToPath(new URL('./swagpu.js', import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, script, ...argv], {
    stdio: ['inherit', 'inherit', 'pipe'],
    env: { ...process.env, SWAGPU_FILTERED_BY: String(process.pid) },
    detached: true,
  });
  const forward = (signal) => { if (child.exitCode === null && child.signalCode === null) child.kill(signal); };
  for (const signal of FORWARDED) process.on(signal, forward);
  // Ctrl-Z: stop the child too, and let it go on with this process.
  process.on('SIGTSTP', () => {
    forward('SIGSTOP');
    process.kill(process.pid, 'SIGSTOP');
  });
  process.on('SIGCONT', () => forward('SIGCONT'));

  process.stderr.on('error', () => undefined); // a closed stderr only loses messages
  const filter = new DriverTextFilter();
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text) => {
    const out = filter.push(text);
    if (out) process.stderr.write(out);
  });
  child.stderr.on('end', () => {
    const out = filter.end();
    if (out) process.stderr.write(out);
  });
  return new Promise(() => {
    child.on('error', (error) => {
      process.stderr.write(`swagpu: cannot start ${process.execPath}: ${error.message}\n`);
      process.exit(1);
    });
    child.on('close', (code, signal) => {
      if (signal === null) process.exit(code ?? 1);
      for (const s of [...FORWARDED, 'SIGTSTP', 'SIGCONT']) process.removeAllListeners(s);
      process.kill(process.pid, signal); // the same death, where its default action is one
      // A signal ignored by default (SIGPIPE in Node): the shell's code for it.
      setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 100);
    });
  });
}

/**
 * In the child: end as on SIGTERM (a stylize saves its partial image) once the wrapper that started it has
 * gone without a word (SIGKILL); a detached child would otherwise run on. Checked twice a second, unref'd.
 */
export function watchWrapper() {
  const wrapper = Number(process.env.SWAGPU_FILTERED_BY);
  delete process.env.SWAGPU_FILTERED_BY; // a swagpu started by this one decides for itself
  const timer = setInterval(() => {
    if (process.ppid === wrapper) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }, 500);
  timer.unref();
}
