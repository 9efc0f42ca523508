/**
 * A dynamically imported CommonJS package's exports: Node and Vite give them as the namespace's names, a bundle
 * made by esbuild (bench/gpu-kit.sh) only as its `default`. `name` is one export the package must have.
 */
export function packageExports<T extends object>(namespace: T, name: keyof T): T {
  if (name in namespace) return namespace;
  const inner = (namespace as { default?: T }).default;
  if (inner && name in inner) return inner;
  throw new Error(`the imported package has no export '${String(name)}'`);
}
