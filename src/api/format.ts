/** Plain-text tables of results, as the CLI prints them (browser-safe). */
import type { AnalysisResult, Prediction } from './options.js';

/** The analysis as a fixed-width table: one row per tap (max, entropy and peak of activations and Gram). */
export function analysisTable(result: Pick<AnalysisResult, 'model' | 'smoothing' | 'layers'>): string {
  const lines = [`${result.model}, smoothing ${result.smoothing}`,
    `${'layer'.padEnd(16)} ${'shape'.padEnd(16)} ${'actMax'.padStart(10)} ${'actEntropy'.padStart(11)} ${'gramMax'.padStart(10)} ${'gramEntropy'.padStart(12)} ${'(bound)'.padStart(8)} ${'gramPeak'.padStart(10)} ${'evenness'.padStart(9)}`];
  for (const l of result.layers) {
    lines.push(`${l.name.padEnd(16)} ${l.shape.join('x').padEnd(16)} ${l.actMax.toExponential(2).padStart(10)} ${l.actEntropy.toFixed(3).padStart(11)} ${l.gramMax.toExponential(2).padStart(10)} ${l.gramEntropy.toFixed(3).padStart(12)} ${l.gramEntropyBound.toFixed(2).padStart(8)} ${l.gramPeak.toExponential(2).padStart(10)} ${l.gramEvenness.toFixed(3).padStart(9)}`);
  }
  return lines.join('\n');
}

/** Top-k predictions, one per line: class index, label, probability. */
export function predictionsTable(predictions: readonly Prediction[]): string {
  return predictions.map((t) => `  ${String(t.index).padStart(4)} ${t.label.padEnd(28)} ${t.prob.toFixed(4)}`).join('\n');
}
