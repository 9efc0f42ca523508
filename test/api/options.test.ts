/**
 * The options table (src/api/options.ts) is the library's validation: a bad enum or number passed to
 * the library fails at once, naming the option and what it takes, before any image is read or any weight
 * loads (the weights source and the image's pixels below record whether they were touched).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type ImageInput } from '../../src/index.js';
import { ANALYZE_OPTIONS, CLASSIFY_OPTIONS, STYLIZE_OPTIONS, checkOptions } from '../../src/api/options.js';
import { SMOOTHING_MODES } from '../../src/engine/ops.js';
import { PRESETS } from '../../src/style/presets.js';

describe('options are checked before any image or weight loads', () => {
  let weightsRead = 0;
  let pixelsRead = 0;
  const image = { get data() { pixelsRead++; return new Float32Array(3 * 8 * 8); }, width: 8, height: 8 } as ImageInput;
  let engine: Engine<ImageInput>;
  afterAll(() => engine?.dispose());

  const cases: Array<[string, (e: Engine<ImageInput>) => Promise<unknown>, string]> = [
    ['stylize smoothing', (e) => e.stylize({ content: image, style: image, smoothing: 'blur' as never }), `smoothing must be one of ${SMOOTHING_MODES.join(', ')}, got 'blur'`],
    ['stylize optimizer', (e) => e.stylize({ content: image, optimizer: 'sgd' as never }), "optimizer must be one of lbfgs, adam, got 'sgd'"],
    ['stylize preset', (e) => e.stylize({ content: image, preset: 'monet' }), `preset must be one of ${Object.keys(PRESETS).join(', ')}, got 'monet'`],
    ['stylize model', (e) => e.stylize({ content: image, model: 'alexnet' as never }), "model must be one of resnet50, vgg19, got 'alexnet'"],
    ['stylize pooling', (e) => e.stylize({ content: image, pooling: 'min' as never }), "pooling must be one of max, avg, got 'min'"],
    ['stylize temperature', (e) => e.stylize({ content: image, temperature: 0 }), 'temperature must be a number > 0, got 0'],
    ['stylize size', (e) => e.stylize({ content: image, size: 9000 }), 'size must be an integer >= 1 <= 8192'],
    ['stylize model vs preset', (e) => e.stylize({ content: image, model: 'vgg19' }), 'model vgg19 does not fit preset swag'],
    ['analyze smoothing', (e) => e.analyze(image, { smoothing: 'blur' as never }), `smoothing must be one of ${SMOOTHING_MODES.join(', ')}, got 'blur'`],
    ['analyze model', (e) => e.analyze(image, { model: 'alexnet' as never }), "model must be one of resnet50, vgg19, got 'alexnet'"],
    ['analyze temperature', (e) => e.analyze(image, { temperature: -1 }), 'temperature must be a number > 0, got -1'],
    ['classify top', (e) => e.classify(image, { top: 0 }), 'top must be an integer >= 1 <= 1000, got 0'],
  ];
  for (const [what, call, message] of cases) {
    it(`${what}: a clear error naming the option, no image read, no weights loaded`, async () => {
      engine ??= await createEngine({ weights: { resnet50: async () => { weightsRead++; throw new Error('weights must not load'); }, vgg19: async () => { weightsRead++; throw new Error('weights must not load'); } } });
      await expect(call(engine)).rejects.toThrow(message);
      expect(weightsRead).toBe(0);
      expect(pixelsRead).toBe(0);
    });
  }

  it('every enum row of the tables is checked (a value outside its list is refused, each listed value passes)', () => {
    for (const table of [STYLIZE_OPTIONS, ANALYZE_OPTIONS, CLASSIFY_OPTIONS]) {
      for (const [name, spec] of Object.entries(table)) {
        if (spec.type !== 'enum' || ('cliOnly' in spec && spec.cliOnly)) continue;
        expect(() => checkOptions(table, { [name]: 'nope' }), name).toThrow(`${name} must be one of ${spec.values.join(', ')}, got 'nope'`);
        for (const value of spec.values) expect(() => checkOptions(table, { [name]: value })).not.toThrow();
      }
    }
  });
});
