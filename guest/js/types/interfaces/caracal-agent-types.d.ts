declare module 'caracal:agent/types@0.1.0' {
  /**
   * Why the host refused a request. Every refusal is one of these: a policy
   * denial or bad argument never traps the guest.
   */
  export type Error = ErrorDenied | ErrorInvalid | ErrorNotFound | ErrorGone | ErrorLimit | ErrorUnavailable;
  /**
   * The request would widen authority, or policy forbids it.
   */
  export interface ErrorDenied {
    tag: 'denied',
    val: string,
  }
  /**
   * An argument is malformed or out of range.
   */
  export interface ErrorInvalid {
    tag: 'invalid',
    val: string,
  }
  /**
   * The named session or delegation does not exist.
   */
  export interface ErrorNotFound {
    tag: 'not-found',
    val: string,
  }
  /**
   * The session was closed, expired, revoked or suspended.
   */
  export interface ErrorGone {
    tag: 'gone',
    val: string,
  }
  /**
   * A capacity limit (depth, live children, ...) would be exceeded.
   */
  export interface ErrorLimit {
    tag: 'limit',
    val: string,
  }
  /**
   * The host cannot serve the request right now.
   */
  export interface ErrorUnavailable {
    tag: 'unavailable',
    val: string,
  }
  /**
   * How a session's life is bounded.
   * # Variants
   * 
   * ## `"task"`
   * 
   * Retired when its scope ends or its TTL expires.
   * ## `"service"`
   * 
   * Lives as long as its heartbeat lease is renewed.
   */
  export type Lifecycle = 'task' | 'service';
  /**
   * Where a session is in its life.
   * # Variants
   * 
   * ## `"active"`
   * 
   * Live: headers and outbound calls are served.
   * ## `"suspended"`
   * 
   * Held: a lease lapsed or an operator suspended it.
   * ## `"terminated"`
   * 
   * Retired for good: closed, expired or revoked.
   */
  export type SessionStatus = 'active' | 'suspended' | 'terminated';
  /**
   * Bounds on what a delegation edge may be narrowed into further.
   */
  export interface DelegationConstraints {
    /**
     * How many further hops may follow this edge (default 1: none).
     */
    maxHops?: number,
    /**
     * A narrowing bound on sub-grants (default: the number of scopes).
     */
    budget?: number,
    /**
     * Resource ids that sub-grants may name.
     */
    resources?: Array<string>,
    /**
     * Longest TTL, in seconds, that a sub-grant may carry.
     */
    ttlSeconds?: number,
    /**
     * Outbound calls the host meters under this edge.
     */
    maxCalls?: bigint,
  }
  /**
   * A narrowed slice of the parent's authority.
   */
  export interface NarrowGrant {
    /**
     * Scopes granted; each must be held by the parent (exact match).
     */
    scopes: Array<string>,
    /**
     * The resource the grant is bound to; equal to or narrower than the
     * parent's.
     */
    resourceId?: string,
    /**
     * Bounds on further delegation.
     */
    constraints: DelegationConstraints,
    /**
     * Lifetime of the grant in seconds (default: the session's TTL).
     */
    ttlSeconds?: number,
  }
  /**
   * What authority a child session starts with.
   */
  export type Grant = GrantInherit | GrantNone | GrantNarrow;
  /**
   * The parent's effective authority (a narrowed parent's slice is
   * mirrored onto the child).
   */
  export interface GrantInherit {
    tag: 'inherit',
  }
  /**
   * No delegated authority at all.
   */
  export interface GrantNone {
    tag: 'none',
  }
  /**
   * A narrower slice of the parent's authority.
   */
  export interface GrantNarrow {
    tag: 'narrow',
    val: NarrowGrant,
  }
  /**
   * How to spawn a task session.
   */
  export interface SpawnOptions {
    /**
     * Descriptive labels (policy input and audit, never grants): at most
     * 32, each 1..=64 characters after trimming.
     */
    labels: Array<string>,
    /**
     * The authority the child starts with.
     */
    grant: Grant,
    /**
     * Session TTL in seconds, 1..=86400 (default: the host's, 3600).
     */
    ttlSeconds?: number,
  }
  /**
   * How to spawn a service session. A service has no TTL: it lives by a
   * heartbeat lease.
   */
  export interface ServiceOptions {
    /**
     * Descriptive labels, as for `spawn-options`.
     */
    labels: Array<string>,
    /**
     * The authority the service holds for its whole life.
     */
    grant: Grant,
    /**
     * Ask the host to renew the lease from its own timer every this many
     * milliseconds (1..=the lease length), so the lease stays current
     * while the guest waits in a long host call. The host stops renewing
     * when the guest runs wasm for this long without returning to the
     * host, so a stuck guest still loses its lease. None: renewal is
     * manual, by `heartbeat`.
     */
    heartbeatIntervalMs?: bigint,
  }
  /**
   * A service session's lease after a renewal.
   */
  export interface Lease {
    /**
     * Unix time in milliseconds when the lease lapses unless renewed.
     */
    deadlineMs: bigint,
    /**
     * Fencing token: grows on every takeover; a stale holder is refused.
     */
    generation: bigint,
    /**
     * The session's status after the renewal.
     */
    status: SessionStatus,
  }
  /**
   * A snapshot of a context: the root context or a session.
   */
  export interface Context {
    /**
     * The zone every session of this host belongs to.
     */
    zoneId: string,
    /**
     * The application whose authority the root context carries.
     */
    applicationId: string,
    /**
     * The session id (UUIDv7); none for the root context.
     */
    sessionId?: string,
    /**
     * The delegation edge this context presents, if any.
     */
    delegationId?: string,
    /**
     * The edge that delegation was narrowed from, if any.
     */
    parentDelegationId?: string,
    /**
     * W3C trace id (32 lowercase hex digits) shared by the session tree.
     */
    traceId: string,
    /**
     * Delegation hops between the application and this context.
     */
    hop: number,
    /**
     * The session's labels.
     */
    labels: Array<string>,
    /**
     * The session's lifecycle; none for the root context.
     */
    lifecycle?: Lifecycle,
    /**
     * The session's status.
     */
    status: SessionStatus,
    /**
     * Unix time in milliseconds when the session expires, if it does.
     */
    expiresAtMs?: bigint,
    /**
     * Nesting depth: 0 for the root context.
     */
    depth: number,
  }
  /**
   * Outbound HTTP headers as (lowercase name, value) pairs.
   */
  export type Headers = Array<[string, string]>;
}
