/**
 * The tuning table (tuning-table.json): which kernel variant and tile each op takes on a hardware GPU (the 'gpu'
 * route family), per adapter. The CPU adapters' choices stay in the kernels' code, next to the measurements that
 * made them; GPUs differ too much for one choice, so theirs are data, written by bench/gpu-kit.sh or the browser
 * bench page's sweep on the card itself and contributed as an entry here.
 *
 * Matching: an entry's `match` fields (vendor, architecture, device, description) are case-insensitive substrings
 * of the adapter's own; every field given must match, and of the matching entries the one with the most fields
 * wins (the first listed on a tie). An op an entry leaves out, or an adapter no entry matches, takes `fallback`.
 */
import tableJson from './tuning-table.json' with { type: 'json' };

/**
 * gemm's tile (kernels/gemm/gemm.ts): R rows x 4·Q columns per invocation (R a multiple of 4: the padding of A's rows),
 * U k steps per loop iteration, subgroupA (4-lane subgroups share A's loads; SwiftShader). With `block`: the
 * workgroup-memory kernel, WM x WN invocations cover a (WM·R) x (WN·4Q) block of C, BK k steps per tile of A and B
 * loaded (vec4s) into double-buffered workgroup memory; `subgroups`: B's values of a k step shared among a subgroup
 * by shuffles instead of each invocation reading them from workgroup memory.
 */
export interface GemmTileSpec {
  R: number; Q: number; U?: number; subgroupA?: boolean;
  block?: { WM: number; WN: number; BK: number; subgroups?: boolean };
}

/** The direct conv kernel's tile (kernels/conv/route-plan.ts ConvTile): PX pixels x 4·G channels, lanes IL apart, WG per workgroup. */
export interface ConvTileSpec { IL: number; G: 1 | 2 | 4 | 8; WG: number; PX?: 4 | 8 }

export interface TuningOps { gemm: GemmTileSpec; conv: ConvTileSpec }

export interface AdapterIds { vendor: string; architecture: string; device: string; description: string }

export interface TuningEntry extends Partial<TuningOps> {
  match: Partial<AdapterIds>;
  /** Who measured it and how: card, driver, browser or bench/gpu-kit.sh, date, figures. */
  source?: string;
}

export interface TuningTable { format: 'swagpu-tuning-table/1'; note?: string; fallback: TuningOps; adapters: TuningEntry[] }

/** What the device layer found for one adapter: the ops' choices and where each came from ('fallback' or the entry's match). */
export interface TuningChoice extends TuningOps { entry: string | null; from: Record<keyof TuningOps, string> }

const TUNING_OPS: readonly (keyof TuningOps)[] = ['gemm', 'conv'];
const ID_FIELDS: readonly (keyof AdapterIds)[] = ['vendor', 'architecture', 'device', 'description'];

const positiveInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

/** Check one op's value: a clear error naming the entry, the op and the field, never a kernel launched with garbage. */
function checkOp(op: keyof TuningOps, value: unknown, where: string): void {
  const v = value as Record<string, unknown>;
  const bad = (what: string) => new Error(`tuning table: ${where}: ${op} ${what} (got ${JSON.stringify(value)})`);
  if (typeof v !== 'object' || v === null) throw bad('must be an object');
  if (op === 'gemm') {
    if (!positiveInt(v.R) || v.R % 4) throw bad('needs R, a positive multiple of 4');
    if (!positiveInt(v.Q)) throw bad('needs Q, a positive integer');
    if (v.U !== undefined && !positiveInt(v.U)) throw bad('U must be a positive integer');
    if (v.block !== undefined) {
      const b = v.block as Record<string, unknown>;
      if (typeof b !== 'object' || b === null || !positiveInt(b.WM) || !positiveInt(b.WN) || !positiveInt(b.BK)) throw bad('block needs WM, WN and BK, positive integers');
      if (v.subgroupA) throw bad('cannot combine block with subgroupA');
      if (b.subgroups !== undefined && typeof b.subgroups !== 'boolean') throw bad('block.subgroups must be true or false');
    }
  } else {
    if (!positiveInt(v.IL) || !positiveInt(v.WG) || ![1, 2, 4, 8].includes(v.G as number)) throw bad('needs IL and WG (positive integers) and G (1, 2, 4 or 8)');
    if (v.PX !== undefined && v.PX !== 4 && v.PX !== 8) throw bad('PX must be 4 or 8');
  }
}

/** Parse and check a table (from the repo's JSON, or a contributed one); throws naming what is wrong. */
export function checkTable(value: unknown): TuningTable {
  const t = value as TuningTable;
  if (typeof t !== 'object' || t === null || t.format !== 'swagpu-tuning-table/1') throw new Error(`tuning table: format must be "swagpu-tuning-table/1" (got ${JSON.stringify((t as { format?: unknown } | null)?.format)})`);
  if (typeof t.fallback !== 'object' || t.fallback === null) throw new Error('tuning table: no fallback');
  for (const op of TUNING_OPS) checkOp(op, t.fallback[op], 'fallback');
  if (!Array.isArray(t.adapters)) throw new Error('tuning table: adapters must be a list');
  t.adapters.forEach((e, i) => {
    const where = `adapters[${i}]`;
    const fields = Object.keys(e?.match ?? {});
    if (fields.length === 0 || fields.some((f) => !(ID_FIELDS as string[]).includes(f) || typeof (e.match as Record<string, unknown>)[f] !== 'string' || !(e.match as Record<string, string>)[f])) {
      throw new Error(`tuning table: ${where}: match needs one or more of ${ID_FIELDS.join(', ')}, non-empty strings (got ${JSON.stringify(e?.match)})`);
    }
    for (const op of TUNING_OPS) if (e[op] !== undefined) checkOp(op, e[op], `${where} (${describeMatch(e.match)})`);
  });
  return t;
}

const describeMatch = (m: Partial<AdapterIds>): string => ID_FIELDS.filter((f) => m[f]).map((f) => `${f}~${m[f]}`).join(' ');

/** The entry for an adapter: every given field a substring of the adapter's (case-insensitive), the most fields winning. */
export function matchEntry(table: TuningTable, ids: AdapterIds): TuningEntry | null {
  let best: TuningEntry | null = null;
  let bestFields = 0;
  for (const e of table.adapters) {
    const fields = ID_FIELDS.filter((f) => e.match[f]);
    const hit = fields.every((f) => (ids[f] ?? '').toLowerCase().includes(e.match[f]!.toLowerCase()));
    if (hit && fields.length > bestFields) { best = e; bestFields = fields.length; }
  }
  return best;
}

/** An adapter's choices from `table`: its entry's ops, the fallback's for the rest. */
export function chooseTuning(table: TuningTable, ids: AdapterIds): TuningChoice {
  const entry = matchEntry(table, ids);
  const name = entry ? describeMatch(entry.match) : null;
  const ops = {} as TuningOps;
  const from = {} as Record<keyof TuningOps, string>;
  for (const op of TUNING_OPS) {
    const own = entry?.[op];
    (ops as unknown as Record<string, unknown>)[op] = own ?? table.fallback[op];
    from[op] = own ? name! : 'fallback';
  }
  return { ...ops, entry: name, from };
}

/** The repo's table, checked once. */
export const TUNING_TABLE: TuningTable = checkTable(tableJson);

/** The device layer's look-up: the repo's table for these adapter ids. */
export const lookupTuning = (ids: AdapterIds): TuningChoice => chooseTuning(TUNING_TABLE, ids);

/**
 * One table entry for a measured adapter (what the kit and the bench page write): its vendor, architecture and device
 * (the card's model); the description (which often carries the driver's version) only where the device is empty, as
 * browsers may leave it.
 */
export function tableEntry(ids: AdapterIds, ops: Partial<TuningOps>, source: string): TuningEntry {
  const match: Partial<AdapterIds> = {};
  for (const f of ['vendor', 'architecture', 'device'] as const) if (ids[f]) match[f] = ids[f];
  if (!ids.device && ids.description) match.description = ids.description;
  if (Object.keys(match).length === 0) throw new Error('tuning table: this adapter reports no vendor, architecture, device or description to match it by');
  return { match, source, ...ops };
}

/** `table` with `entry` added, replacing an entry with the same match (what a contributor merges). */
export function withEntry(table: TuningTable, entry: TuningEntry): TuningTable {
  const key = JSON.stringify(entry.match);
  return checkTable({ ...table, adapters: [...table.adapters.filter((e) => JSON.stringify(e.match) !== key), entry] });
}
