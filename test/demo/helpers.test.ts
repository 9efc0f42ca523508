/** The demo's pure helpers, in Node (no browser): the loss chart, number formatting, settings (image conversions and sizes: test/style/image.test.ts). */
import { describe, expect, it } from 'vitest';
import { lossChartSvg } from '../../demo/loss-chart.js';
import { defaultSettings, formatNumber, formatStrength, presetFields, sliderFromStrength, strengthFromSlider, styleWeightFor } from '../../demo/settings.js';

describe('demo helpers', () => {
  it('draws the loss curve: absolute for one run, relative to the first loss for several', () => {
    const one = lossChartSvg([{ label: 'swag', points: [[1, 1e4], [2, 5e3], [3, 2e3]] }], 3);
    expect(one).toContain('<polyline');
    expect(one).toContain('>loss<');
    const two = lossChartSvg([
      { label: 'a', points: [[1, 1e14], [2, 1e13]] },
      { label: 'b', points: [[1, 1e4], [2, 9e3]] },
    ], 2);
    expect(two.match(/<polyline/g)?.length).toBe(2);
    expect(two).toContain('loss / first loss');
    expect(lossChartSvg([{ label: 'x', points: [] }], 10)).toContain('appears here');
    // Non-finite losses are skipped, not drawn as NaN coordinates.
    expect(lossChartSvg([{ label: 'x', points: [[1, 1], [2, NaN], [3, 0.5]] }], 3)).not.toContain('NaN');
  });

  it('formats weights readably and fills fields from presets', () => {
    expect(formatNumber(1e17)).toBe('1e17');
    expect(formatNumber(1e-4)).toBe('1e-4');
    expect(formatNumber(0.001)).toBe('0.001');
    expect(formatNumber(5)).toBe('5');
    expect(formatNumber(0)).toBe('0');
    expect(Number(formatNumber(1e17))).toBe(1e17);
    expect(presetFields('resnet50')).toMatchObject({ model: 'resnet50', smoothing: 'none' });
    expect(presetFields('resnet50-swag')).toMatchObject({ model: 'resnet50', smoothing: 'softmax' });
    expect(presetFields('nope')).toEqual({});
  });

  it('style strength: a log slider over the preset\'s style weight (×0.01 … ×100)', () => {
    expect([-2, -1, 0, 0.5, 1, 2].map(strengthFromSlider)).toEqual([0.01, 0.1, 1, 3.2, 10, 100]);
    for (const s of [0.01, 0.5, 1, 20, 100]) expect(sliderFromStrength(s)).toBeCloseTo(Math.log10(s), 12);
    expect([0.01, 1, 3.2, 100].map(formatStrength)).toEqual(['×0.01', '×1.0', '×3.2', '×100']);
    // Normalised default: the weight is the share itself; the paper's presets scale their own 1e17.
    expect(styleWeightFor('swag', 2)).toBe(2);
    expect(styleWeightFor('resnet50-swag', 0.1)).toBeCloseTo(1e16, -3);
    expect(defaultSettings()).toMatchObject({ preset: 'swag', styleStrength: 1 });
    expect('styleWeight' in defaultSettings()).toBe(false);
  });
});
