/**
 * Fetching the weights (~100 MB for ResNet-50) with byte-level progress, kept in the browser's Cache API
 * so a reload reads them from disk. Works in a worker (fetch, caches and ReadableStream exist there).
 */
const CACHE_NAME = 'swagpu-weights-v1';

export type WeightsProgress = (loaded: number, total: number, cached: boolean) => void;

async function openCache(): Promise<Cache | null> {
  try {
    return typeof caches === 'undefined' ? null : await caches.open(CACHE_NAME);
  } catch {
    return null; // no Cache API (insecure context, private mode): fetch every time
  }
}

/** Read a response body chunk by chunk, reporting bytes as they arrive. */
async function readWithProgress(response: Response, cached: boolean, onProgress: WeightsProgress): Promise<Uint8Array> {
  const total = Number(response.headers.get('content-length')) || 0;
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onProgress(bytes.length, bytes.length, cached);
    return bytes;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  let lastReport = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    if (loaded - lastReport > 1 << 20 || loaded === total) {
      lastReport = loaded;
      onProgress(loaded, total, cached);
    }
  }
  onProgress(loaded, total || loaded, cached);
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/**
 * The weights at `url`, from the cache when there. `expectedBytes` (from the server's weights/index.json)
 * catches a stale cached copy after the file on the server changed size.
 */
export async function fetchWeights(url: string, onProgress: WeightsProgress, expectedBytes?: number): Promise<{ bytes: Uint8Array; cached: boolean }> {
  const cache = await openCache();
  let hit = await cache?.match(url);
  if (hit && expectedBytes !== undefined && Number(hit.headers.get('content-length')) !== expectedBytes) {
    await cache?.delete(url);
    hit = undefined;
  }
  if (hit) {
    try {
      return { bytes: await readWithProgress(hit, true, onProgress), cached: true };
    } catch {
      await cache?.delete(url); // a damaged entry: fetch again
    }
  }
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`${url}: HTTP ${response.status} ${response.statusText}. Put the weights in the server's weights/ folder ` +
      '(`npm run weights` fetches ResNet-50).');
  }
  const bytes = await readWithProgress(response, false, onProgress);
  if (cache) {
    const headers = { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) };
    await cache.put(url, new Response(bytes as unknown as BodyInit, { headers })).catch(() => undefined); // over quota: no cache
  }
  return { bytes, cached: false };
}

/** Forget cached weights (the page's "clear cache" link). */
export async function clearWeightsCache(): Promise<void> {
  if (typeof caches !== 'undefined') await caches.delete(CACHE_NAME);
}
