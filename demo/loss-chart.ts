/**
 * The loss curve: one line per run (log-scale loss against iteration), as an inline SVG string. With
 * several runs (compare mode) each line is divided by its first value: the presets' losses differ by
 * orders of magnitude, so only relative progress compares.
 */
export interface LossSeries { label: string; points: Array<[iteration: number, loss: number]> }

const COLORS = ['#d62728', '#1f77b4', '#2ca02c'];

function esc(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

export function lossChartSvg(input: LossSeries[], iterations: number, width = 520, height = 170): string {
  const relative = input.length > 1;
  const series = relative
    ? input.map((s) => ({ label: `${s.label}, ÷ first`, points: s.points.map(([i, l]): [number, number] => [i, l / s.points[0][1]]) }))
    : input;
  const all = series.flatMap((s) => s.points).filter(([, l]) => Number.isFinite(l) && l > 0);
  const x0 = 56, x1 = width - 12, y0 = 10, y1 = height - 26;
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="10">`;
  svg += `<rect width="100%" height="100%" fill="#fff"/>`;
  svg += `<line x1="${x0}" y1="${y1}" x2="${x1}" y2="${y1}" stroke="#999"/><line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}" stroke="#999"/>`;
  svg += `<text x="${(x0 + x1) / 2}" y="${height - 4}" text-anchor="middle">iteration</text>`;
  svg += `<text transform="translate(10,${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">${relative ? 'loss / first loss' : 'loss'}</text>`;
  if (all.length === 0) return svg + `<text x="${(x0 + x1) / 2}" y="${(y0 + y1) / 2}" text-anchor="middle" fill="#999">the loss curve (log scale) appears here during a run</text></svg>`;
  let lo = Math.log10(Math.min(...all.map(([, l]) => l)));
  let hi = Math.log10(Math.max(...all.map(([, l]) => l)));
  if (hi - lo < 1e-6) { lo -= 0.5; hi += 0.5; }
  const maxIt = Math.max(iterations, ...all.map(([i]) => i), 2);
  const px = (i: number) => x0 + ((i - 1) / (maxIt - 1)) * (x1 - x0);
  const py = (l: number) => y1 - ((Math.log10(l) - lo) / (hi - lo)) * (y1 - y0);
  // Enough significant digits that the ticks differ (relative curves often span 1.000 … 0.999).
  const digits = Math.min(8, Math.max(3, Math.ceil(-Math.log10(Math.max(1e-12, 1 - 10 ** (lo - hi)))) + 2));
  for (let t = 0; t <= 3; t++) {
    const v = lo + ((hi - lo) * t) / 3;
    const y = y1 - (t / 3) * (y1 - y0);
    svg += `<text x="${x0 - 4}" y="${y + 3}" text-anchor="end">${relative ? (10 ** v).toPrecision(digits) : (10 ** v).toExponential(Math.max(1, digits - 2))}</text>`;
  }
  svg += `<text x="${x0}" y="${height - 4}">1</text><text x="${x1}" y="${height - 4}" text-anchor="end">${maxIt}</text>`;
  series.forEach((s, k) => {
    const pts = s.points.filter(([, l]) => Number.isFinite(l) && l > 0).map(([i, l]) => `${px(i).toFixed(1)},${py(l).toFixed(1)}`);
    const color = COLORS[k % COLORS.length];
    if (pts.length === 1) svg += `<circle cx="${pts[0].split(',')[0]}" cy="${pts[0].split(',')[1]}" r="2.5" fill="${color}"/>`;
    else svg += `<polyline fill="none" stroke="${color}" stroke-width="1.8" points="${pts.join(' ')}"/>`;
  });
  svg += `<rect x="${x1 - 204}" y="${y0}" width="200" height="${4 + 14 * series.length}" fill="#fff" fill-opacity="0.85"/>`;
  series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length];
    svg += `<rect x="${x1 - 200}" y="${y0 + 2 + k * 14}" width="10" height="10" fill="${color}"/><text x="${x1 - 186}" y="${y0 + 11 + k * 14}">${esc(s.label)}</text>`;
  });
  return svg + '</svg>';
}
