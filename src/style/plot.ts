/**
 * A small SVG line chart for the analysis: layers on x, one line per series, two panels
 * (Gram max on a log scale, Gram entropy). Plain string building, no dependencies.
 */
import type { LayerStats } from './analysis.js';

export interface Series { label: string; stats: LayerStats[] }

const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e'];

function esc(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

function panel(series: Series[], key: 'gramPeak' | 'actEntropy' | 'gramEvenness', title: string, log: boolean, x0: number, y0: number, w: number, h: number): string {
  const names = series[0].stats.map((s) => s.name);
  const values = series.flatMap((s) => s.stats.map((l) => l[key])).filter((v) => Number.isFinite(v) && (!log || v > 0));
  const f = (v: number) => (log ? Math.log10(v) : v);
  let lo = Math.min(...values.map(f));
  let hi = Math.max(...values.map(f));
  if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
  const px = (i: number) => x0 + 50 + (i / Math.max(1, names.length - 1)) * (w - 130);
  const py = (v: number) => y0 + h - 80 - ((f(v) - lo) / (hi - lo)) * (h - 110);
  let svg = `<text x="${x0 + w / 2}" y="${y0 + 16}" text-anchor="middle" font-size="14">${esc(title)}</text>`;
  svg += `<line x1="${x0 + 50}" y1="${y0 + h - 80}" x2="${x0 + w - 80}" y2="${y0 + h - 80}" stroke="#444"/>`;
  svg += `<line x1="${x0 + 50}" y1="${y0 + 30}" x2="${x0 + 50}" y2="${y0 + h - 80}" stroke="#444"/>`;
  for (let t = 0; t <= 4; t++) {
    const v = lo + ((hi - lo) * t) / 4;
    const y = y0 + h - 80 - (t / 4) * (h - 110);
    svg += `<text x="${x0 + 46}" y="${y + 4}" text-anchor="end" font-size="10">${log ? `1e${v.toFixed(1)}` : v.toFixed(2)}</text>`;
  }
  names.forEach((n, i) => {
    svg += `<text transform="translate(${px(i)},${y0 + h - 70}) rotate(40)" font-size="9">${esc(n)}</text>`;
  });
  series.forEach((s, k) => {
    const pts = s.stats.map((l, i) => `${px(i).toFixed(1)},${py(l[key]).toFixed(1)}`).join(' ');
    svg += `<polyline fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="2" points="${pts}"/>`;
  });
  return svg;
}

export function analysisSvg(series: Series[], title: string): string {
  if (series.length === 0 || series[0].stats.length === 0) throw new Error('analysisSvg: nothing to plot');
  const w = 900;
  const h = 360;
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${2 * h + 40}" font-family="sans-serif">`;
  svg += `<rect width="100%" height="100%" fill="white"/><text x="${w / 2}" y="20" text-anchor="middle" font-size="16">${esc(title)}</text>`;
  svg += panel(series, 'gramPeak', 'Gram matrix peak: max / mean of |G| (log scale)', true, 0, 30, w, h);
  svg += panel(series, 'actEntropy', 'activation entropy: H(softmax(A)) in nats (low = a few huge values dominate)', false, 0, 30 + h, w, h);
  series.forEach((s, k) => {
    svg += `<rect x="${w - 230}" y="${50 + k * 18}" width="12" height="12" fill="${COLORS[k % COLORS.length]}"/><text x="${w - 212}" y="${60 + k * 18}" font-size="12">${esc(s.label)}</text>`;
  });
  return svg + '</svg>\n';
}
