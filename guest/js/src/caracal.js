// `Caracal`: the entry point, acting on the bound context or the root
// context (the free functions of WIT `caracal:agent/sessions`).

import { sessions } from './wit.js';
import { call } from './errors.js';
import * as binding from './binding.js';
import { boundSession, contextFromWit, serviceOptions, Session, spawnOptions, wrap } from './session.js';
import { headersFromBlock } from './envelope.js';
import { governedFetch, routed, routedPrefixes, withEnvelope } from './http.js';
import { u64 } from './grant.js';

/**
 * The Caracal client. It holds no state beyond `allowRoot`: the host
 * provides the zone, application and root context, so there is nothing to
 * configure and no environment to read.
 */
export class Caracal {
  #allowRoot;

  /** @param {{allowRoot?: boolean}} [options] */
  constructor({ allowRoot = false } = {}) {
    this.#allowRoot = Boolean(allowRoot);
  }

  /**
   * Whether `headers()` and `fetch()` may project the root context (the
   * application's own authority) when no session is bound. Off by default.
   */
  get allowRoot() {
    return this.#allowRoot;
  }

  /**
   * Spawns a task session under `parent`, else the innermost bound session,
   * else the root context; the new session is bound innermost.
   *
   * @param {{labels?: string[], grant?: import('./grant.js').Grant, ttlSeconds?: number, parent?: Session}} [options]
   */
  spawn(options = {}) {
    const wit = spawnOptions(options);
    const parent = options.parent ?? binding.innermost();
    if (parent) return parent.spawn(options);
    return wrap(call(() => sessions.spawn(wit)));
  }

  /**
   * Spawns a service session (lease-bound, no TTL); the parent is chosen as
   * for `spawn`. `heartbeatIntervalMs` asks the host to renew the lease on
   * its own timer.
   */
  spawnService(options = {}) {
    const wit = serviceOptions(options);
    const parent = options.parent ?? binding.innermost();
    if (parent) return parent.spawnService(options);
    return wrap(call(() => sessions.spawnService(wit)));
  }

  /**
   * The closure form: spawns a task session, runs `fn(session)` with it
   * bound, then closes it (also when `fn` throws). Returns what `fn`
   * returns; a close error is thrown only when `fn` succeeded.
   */
  async run(options, fn) {
    const session = this.spawn(options);
    let result;
    try {
      result = await fn(session);
    } catch (error) {
      session[Symbol.dispose]();
      throw error;
    }
    session.close();
    return result;
  }

  /**
   * Takes over a live service session by id (one a crashed worker left):
   * the lease generation goes up and the previous holder is fenced out.
   */
  attach(sessionId, { heartbeatIntervalMs } = {}) {
    const interval = u64(heartbeatIntervalMs, 'heartbeatIntervalMs');
    return wrap(call(() => sessions.attach(String(sessionId), interval)));
  }

  /**
   * The bound session's envelope. With nothing bound, the root context's,
   * which the host refuses with DeniedError unless `allowRoot`.
   */
  headers() {
    const session = binding.innermost();
    if (session) return session.headers();
    return headersFromBlock(call(() => sessions.headerBlock(this.#allowRoot)));
  }

  /** A snapshot of the bound session's context, else of the root context. */
  context() {
    const session = binding.innermost();
    return session ? session.context() : contextFromWit(sessions.context());
  }

  /** The bound session (to re-bind later with `bind`), or undefined. */
  current() {
    return binding.innermost();
  }

  /**
   * Binds `session` as the innermost context. With `fn`: for the duration
   * of `fn(session)` (awaited when it returns a promise), returning its
   * result. Without: until the returned guard is disposed (`using`).
   * Binding does not close the session.
   */
  bind(session, fn) {
    if (!(session instanceof Session)) throw new TypeError('bind takes a Session');
    const key = binding.push(session);
    if (fn === undefined) {
      return { [Symbol.dispose]: () => binding.remove(key) };
    }
    let result;
    try {
      result = fn(session);
    } catch (error) {
      binding.remove(key);
      throw error;
    }
    if (result && typeof result.then === 'function') {
      return Promise.resolve(result).finally(() => binding.remove(key));
    }
    binding.remove(key);
    return result;
  }

  /** The host's gateway-routed URL prefixes. */
  routedPrefixes() {
    return [...routedPrefixes()];
  }

  /** Whether a request to `url` carries the envelope. */
  isRouted(url) {
    return routed(url);
  }

  /**
   * `fetch(input, init)` that puts the bound session's envelope on
   * gateway-routed URLs (with none bound: the root context's if `allowRoot`,
   * else the host's DeniedError); other URLs go out as built. Blocking
   * `wasi:http` transport; never follows redirects; a host denial rejects
   * with RequestDeniedError.
   */
  fetch(input, init) {
    return governedFetch(() => this.headers(), input, init);
  }

  /**
   * For the platform `fetch`: `fetch(url, caracal.withEnvelope(url, init))`
   * adds the bound session's envelope when `url` is gateway-routed.
   */
  withEnvelope(input, init) {
    return withEnvelope(() => this.headers(), input, init);
  }

  /** Offers a slice of the bound session's authority; see Session.delegate. */
  delegate(request) {
    return boundSession('delegation').delegate(request);
  }

  /** Offers made to the bound session and not yet accepted. */
  pendingOffers() {
    return boundSession('accepting a delegation').pendingOffers();
  }

  /** Accepts an offer made to the bound session; see Session.accept. */
  accept(delegationId) {
    return boundSession('accepting a delegation').accept(delegationId);
  }

  /** Revokes a delegation the bound session issued; see Session.revoke. */
  revoke(delegationId) {
    return boundSession('revocation').revoke(delegationId);
  }

  /** The chain of authority behind the bound session. */
  describeAuthority() {
    return boundSession('describing authority').describeAuthority();
  }
}

/** A default client (no root context). */
export const caracal = new Caracal();
