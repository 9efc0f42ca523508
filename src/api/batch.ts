/**
 * Batch style transfer: every content × style pair, as an async iterator of results. The model is loaded
 * once (by the engine) and each style's targets (its Gram matrices) are computed once, for all the
 * contents paired with it: styles are the outer loop, and a StyleCache keeps the current style's Grams.
 * A pair whose image cannot be read or decoded is yielded as failed and the batch goes on; `skip`
 * (resume) leaves pairs out without reading them. Browser-safe: writing the results is the caller's.
 */
import { StyleCache } from '../style/style-cache.js';
import { DeviceLostError } from '../style/stylize.js';
import type { StylizeOptions, StylizeOutput } from './options.js';

/** A named input (a file's base name, a label): names make the pair's output name `<content>__<style>`. */
export interface NamedInput<I> { name: string; image: I }

export interface BatchOptions<I> extends Omit<StylizeOptions<I>, 'content' | 'style' | 'mask' | 'onProgress' | 'preview'> {
  contents: ReadonlyArray<NamedInput<I>>;
  styles: ReadonlyArray<NamedInput<I>>;
  /** Leave a pair out (e.g. its output exists: resume). Skipped pairs are yielded with status 'skipped'. */
  skip?: (pair: { content: string; style: string; name: string }) => boolean | Promise<boolean>;
}

export interface BatchItem {
  /** `<content>__<style>`: the output's name without extension. */
  name: string;
  content: string;
  style: string;
  /** 1-based position among all pairs, and their number. */
  index: number;
  total: number;
  status: 'done' | 'skipped' | 'failed';
  /** Why it failed (the message names the file and the problem). */
  error?: string;
  /** The stylized image and its summary ('done' only). */
  result?: StylizeOutput;
  /** Seconds since the batch started, and the estimated seconds left (mean time per computed pair × pairs left). */
  elapsedSeconds: number;
  etaSeconds: number;
}

/** What the engine gives a batch: its stylize, with a style cache passed through. */
export type StylizeWith<I> = (options: StylizeOptions<I>, extras: { styleCache: StyleCache }) => Promise<StylizeOutput>;

export async function* runBatch<I>(stylize: StylizeWith<I>, options: BatchOptions<I>): AsyncGenerator<BatchItem> {
  const { contents, styles, skip, ...stylizeOptions } = options;
  if (contents.length === 0) throw new Error('batch: no content images');
  if (styles.length === 0) throw new Error('batch: no style images');
  const total = contents.length * styles.length;
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let index = 0;
  let computed = 0;
  let computeSeconds = 0;
  // Pairs left to compute, for the ETA (skipped ones are known only when reached: counted as to compute).
  let left = total;
  for (const style of styles) {
    const styleCache = new StyleCache();
    try {
      for (const content of contents) {
        index++;
        const name = `${content.name}__${style.name}`;
        const base = { name, content: content.name, style: style.name, index, total };
        if (options.signal?.aborted) return;
        if (skip && await skip({ content: content.name, style: style.name, name })) {
          left--;
          yield { ...base, status: 'skipped', elapsedSeconds: elapsed(), etaSeconds: computed ? (computeSeconds / computed) * left : NaN };
          continue;
        }
        const t0 = performance.now();
        let item: BatchItem;
        try {
          const result = await stylize({ ...stylizeOptions, content: content.image, style: style.image }, { styleCache });
          item = { ...base, status: 'done', result, elapsedSeconds: 0, etaSeconds: 0 };
        } catch (error) {
          if (error instanceof DeviceLostError) throw error;
          item = { ...base, status: 'failed', error: (error as Error).message, elapsedSeconds: 0, etaSeconds: 0 };
        }
        left--;
        if (item.status === 'done') { computed++; computeSeconds += (performance.now() - t0) / 1000; }
        yield { ...item, elapsedSeconds: elapsed(), etaSeconds: computed ? (computeSeconds / computed) * left : NaN };
        if (item.result?.aborted) return;
      }
    } finally {
      styleCache.dispose();
    }
  }
}
