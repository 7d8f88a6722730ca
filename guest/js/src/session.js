// `Session`: a governed session owned by the host (WIT resource
// `caracal:agent/sessions.session`), and the spawn/convert helpers the
// `Caracal` client shares with it.

import { sessions, delegation } from './wit.js';
import { call, InvalidError } from './errors.js';
import { headersFromBlock } from './envelope.js';
import { grantToWit, constraintsToWit, strings, u32, u64 } from './grant.js';
import * as binding from './binding.js';
import { governedFetch, withEnvelope } from './http.js';

const INTERNAL = Symbol('caracal.session');

const toNumber = (value) => (value === undefined || value === null ? undefined : Number(value));

/** WIT `context` -> the SDK's ContextInfo (u64 times as numbers of ms). */
export function contextFromWit(c) {
  return {
    zoneId: c.zoneId,
    applicationId: c.applicationId,
    sessionId: c.sessionId,
    delegationId: c.delegationId,
    parentDelegationId: c.parentDelegationId,
    traceId: c.traceId,
    hop: c.hop,
    labels: [...c.labels],
    lifecycle: c.lifecycle,
    status: c.status,
    expiresAtMs: toNumber(c.expiresAtMs),
    depth: c.depth,
  };
}

function leaseFromWit(lease) {
  return { deadlineMs: Number(lease.deadlineMs), generation: Number(lease.generation), status: lease.status };
}

function offerFromWit(offer) {
  return { ...offer, scopes: [...offer.scopes], expiresAtMs: Number(offer.expiresAtMs) };
}

function labels(value) {
  return strings(value, 'labels') ?? [];
}

export function spawnOptions({ labels: l, grant, ttlSeconds } = {}) {
  return { labels: labels(l), grant: grantToWit(grant), ttlSeconds: u32(ttlSeconds, 'ttlSeconds') };
}

export function serviceOptions({ labels: l, grant, heartbeatIntervalMs } = {}) {
  return {
    labels: labels(l),
    grant: grantToWit(grant),
    heartbeatIntervalMs: u64(heartbeatIntervalMs, 'heartbeatIntervalMs'),
  };
}

/** Wraps a raw session resource the host just handed out, bound innermost. */
export function wrap(raw) {
  return new Session(INTERNAL, raw);
}

/** The raw resource of a Session (for the delegation interface). */
function rawOf(session) {
  if (!(session instanceof Session)) throw new TypeError('expected a Session');
  return session[INTERNAL];
}

/**
 * A governed session. Spawning one makes it the innermost bound context;
 * `close()` (or leaving a `using` block) unbinds it and retires it on the
 * host with its descendants.
 */
export class Session {
  #raw;
  #key;
  #id;
  #closed = false;

  /** @private sessions come from `spawn`, `spawnService`, `attach`, `accept`. */
  constructor(token, raw) {
    if (token !== INTERNAL) throw new TypeError('Session has no public constructor: use caracal.spawn()');
    this.#raw = raw;
    this.#key = binding.push(this);
  }

  /** @private */
  get [INTERNAL]() {
    return this.#raw;
  }

  /** The session id (a UUIDv7 string). */
  get id() {
    this.#id ??= this.#raw.id();
    return this.#id;
  }

  /** Whether `close()` (or disposal) ran on this handle. */
  get closed() {
    return this.#closed;
  }

  /** A snapshot of the session's context. */
  context() {
    return contextFromWit(call(() => this.#raw.context()));
  }

  /**
   * The outbound envelope: `authorization` (a host-minted bearer, never an
   * upstream credential), `traceparent`, `tracestate` when present, and
   * `baggage`, as a plain object of lowercase names.
   */
  headers() {
    return headersFromBlock(call(() => this.#raw.headerBlock()));
  }

  /** The envelope as the host gave it: [name, value] pairs. */
  headerList() {
    return call(() => this.#raw.headers()).map(([name, value]) => [name, value]);
  }

  /** The status now: 'active', 'suspended' or 'terminated'. */
  status() {
    return this.#raw.status();
  }

  /**
   * Renews a service session's lease from now. Refused for a task
   * (InvalidError), a fenced-out holder (DeniedError) and a lapsed lease
   * (GoneError).
   */
  heartbeat() {
    return leaseFromWit(call(() => this.#raw.heartbeat()));
  }

  /** Spawns a task session as a child of this one (bound innermost). */
  spawn(options) {
    const wit = spawnOptions(options);
    return wrap(call(() => this.#raw.spawn(wit)));
  }

  /** Spawns a service session as a child of this one (bound innermost). */
  spawnService(options) {
    const wit = serviceOptions(options);
    return wrap(call(() => this.#raw.spawnService(wit)));
  }

  /**
   * `fetch` with this session's envelope on gateway-routed URLs (whatever
   * is bound); see `Caracal.fetch`.
   */
  fetch(input, init) {
    return governedFetch(() => this.headers(), input, init);
  }

  /**
   * The platform `fetch`'s init with this session's envelope on it when
   * `input` is gateway-routed: `fetch(url, session.withEnvelope(url, init))`.
   */
  withEnvelope(input, init) {
    return withEnvelope(() => this.headers(), input, init);
  }

  /**
   * Offers a narrower slice of this session's authority to another live
   * session; this session's own context is unchanged.
   */
  delegate({ toSessionId, toApplicationId, scopes, ttlSeconds = 300, resourceId, constraints, parentDelegationId } = {}) {
    const request = {
      toSessionId: String(toSessionId),
      toApplicationId: String(toApplicationId),
      scopes: strings(scopes, 'scopes') ?? [],
      ttlSeconds: u32(ttlSeconds, 'ttlSeconds'),
      resourceId: resourceId ?? undefined,
      constraints: constraintsToWit(constraints),
      parentDelegationId: parentDelegationId ?? undefined,
    };
    return offerFromWit(call(() => delegation.delegate(this.#raw, request)));
  }

  /** Offers made to this session and not yet accepted. */
  pendingOffers() {
    return call(() => delegation.pendingOffers(this.#raw)).map(offerFromWit);
  }

  /**
   * Accepts an offer made to this session: a new session, a child of this
   * one presenting the delegation (hop + 1), bound innermost.
   */
  accept(delegationId) {
    return wrap(call(() => delegation.accept(this.#raw, String(delegationId))));
  }

  /**
   * Revokes a delegation this session issued (or one downstream of it),
   * with everything derived from it; returns the delegation ids revoked.
   */
  revoke(delegationId) {
    return call(() => delegation.revoke(this.#raw, String(delegationId)));
  }

  /** The chain of authority behind this session, the session first. */
  describeAuthority() {
    return call(() => delegation.describeAuthority(this.#raw)).map((link) => ({
      subject: `${link.zoneId}/${link.applicationId}`,
      ...link,
      scopes: [...link.scopes],
    }));
  }

  /**
   * Unbinds the session and retires it and its descendants on the host,
   * throwing the host's error. Closing again does nothing.
   */
  close() {
    binding.remove(this.#key);
    if (this.#closed) return;
    this.#closed = true;
    call(() => this.#raw.close());
  }

  /** `using` support: closes, ignoring the host's error (use `close()` to see it). */
  [Symbol.dispose]() {
    try {
      this.close();
    } catch {
      // A scope exit cannot report it; `close()` does.
    }
  }

  toJSON() {
    return { id: this.id };
  }

  toString() {
    return `Session(${this.id})`;
  }
}

export { rawOf, INTERNAL };

/** The bound session, or an InvalidError saying there is none. */
export function boundSession(what) {
  const session = binding.innermost();
  if (!session) {
    throw new InvalidError(`no session is bound: ${what} is done from a session, not the root context`);
  }
  return session;
}

export { sessions };
