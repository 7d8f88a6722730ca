// `Grant` and delegation constraints: the authority a child session starts
// with (WIT `caracal:agent/types.grant`, `delegation-constraints`).

const KINDS = new Set(['inherit', 'none', 'narrow']);

/** `u64` fields travel as BigInt; accept a number or a BigInt. */
function u64(value, name) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'bigint') return value;
  if (Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw new TypeError(`${name} must be a non-negative integer, not ${value}`);
}

function u32(value, name) {
  if (value === undefined || value === null) return undefined;
  if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff) return value;
  throw new TypeError(`${name} must be an integer in 0..=4294967295, not ${value}`);
}

function strings(value, name) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return [value];
  const list = Array.from(value, String);
  if (list.some((s) => typeof s !== 'string')) throw new TypeError(`${name} must be strings`);
  return list;
}

/**
 * Converts `{maxHops, budget, resources, ttlSeconds, maxCalls}` to the WIT
 * record. Every field is optional; absent leaves the host's default.
 */
export function constraintsToWit(constraints = {}) {
  const c = constraints ?? {};
  return {
    maxHops: u32(c.maxHops, 'constraints.maxHops'),
    budget: u32(c.budget, 'constraints.budget'),
    resources: strings(c.resources, 'constraints.resources'),
    ttlSeconds: u32(c.ttlSeconds, 'constraints.ttlSeconds'),
    maxCalls: u64(c.maxCalls, 'constraints.maxCalls'),
  };
}

/**
 * The authority a child session starts with. The host checks every grant
 * against the parent's delegation edge and refuses (never silently widens)
 * one that asks for more, with a `DeniedError`.
 */
export class Grant {
  #wit;

  /** @private use Grant.inherit(), Grant.none() or Grant.narrow(). */
  constructor(kind, wit) {
    if (!KINDS.has(kind)) throw new TypeError(`unknown grant kind ${kind}`);
    this.kind = kind;
    this.#wit = wit;
    Object.freeze(this);
  }

  /** The parent's effective authority (the default). */
  static inherit() {
    return INHERIT;
  }

  /** No delegated authority at all. */
  static none() {
    return NONE;
  }

  /**
   * A narrower slice of the parent's authority: each scope must be held by
   * the parent (exact match).
   *
   * @param {Iterable<string> | string} scopes
   * @param {{resourceId?: string, constraints?: object, ttlSeconds?: number}} [options]
   */
  static narrow(scopes, { resourceId, constraints, ttlSeconds } = {}) {
    const list = strings(scopes, 'scopes') ?? [];
    const narrow = {
      scopes: list,
      resourceId: resourceId === undefined || resourceId === null ? undefined : String(resourceId),
      constraints: constraintsToWit(constraints),
      ttlSeconds: u32(ttlSeconds, 'ttlSeconds'),
    };
    return new Grant('narrow', { tag: 'narrow', val: narrow });
  }

  /** The scopes of a narrowed grant; undefined for inherit and none. */
  get scopes() {
    return this.kind === 'narrow' ? [...this.#wit.val.scopes] : undefined;
  }

  /** The WIT `grant` variant. */
  toWit() {
    return this.#wit;
  }
}

const INHERIT = new Grant('inherit', { tag: 'inherit' });
const NONE = new Grant('none', { tag: 'none' });

/** Accepts a Grant (or nothing: inherit). */
export function grantToWit(grant) {
  if (grant === undefined || grant === null) return INHERIT.toWit();
  if (grant instanceof Grant) return grant.toWit();
  throw new TypeError('grant must be Grant.inherit(), Grant.none() or Grant.narrow(...)');
}

export { u32, u64, strings };
