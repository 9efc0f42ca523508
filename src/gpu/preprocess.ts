/**
 * WGSL variants. Kernel files use `#if NAME` / `#elif NAME` / `#else` / `#endif` (evaluated by the
 * `wgsl-preprocessor` package) and `{{NAME}}` for constants such as workgroup sizes. Defines are plain
 * values; a missing one is an error, so a typo never silently selects the wrong branch.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';

export type Defines = Record<string, number | boolean | string>;

export function preprocessWgsl(kernelName: string, source: string, defines: Defines = {}): string {
  const substituted = source.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in defines)) throw new Error(`${kernelName}: WGSL constant {{${name}}} has no value (defines: ${Object.keys(defines).join(', ') || 'none'})`);
    return String(defines[name]);
  });
  // Turn `#if NAME` into the tagged-template form wgsl-preprocessor expects: `#if ${value}`.
  const strings: string[] = [];
  const values: unknown[] = [];
  let last = 0;
  for (const match of substituted.matchAll(/#(if|elif)[ \t]+(\w+)/g)) {
    const name = match[2];
    if (!(name in defines)) throw new Error(`${kernelName}: WGSL #${match[1]} ${name} has no value`);
    strings.push(substituted.slice(last, match.index) + `#${match[1]} `);
    values.push(defines[name]);
    last = match.index! + match[0].length;
  }
  strings.push(substituted.slice(last));
  const raw = Object.assign([...strings], { raw: strings });
  return wgsl(raw as unknown as TemplateStringsArray, ...values);
}
