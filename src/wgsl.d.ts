/** WGSL sources are imported as text (vite plugin in vite.config.ts; Node hook in bin/wgsl-hooks.mjs). */
declare module '*.wgsl' {
  const source: string;
  export default source;
}
