// `node --import ./bin/register.mjs file.ts`: TypeScript (tsx) and .wgsl-as-text imports in plain Node.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

register('./wgsl-hooks.mjs', import.meta.url);
registerTsx();
