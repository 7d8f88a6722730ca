/// <reference path="./caracal-agent-sessions.d.ts" />
/// <reference path="./caracal-agent-types.d.ts" />
declare module 'caracal:agent/delegation@0.1.0' {
  /**
   * Offers a slice of `issuer`'s authority to another session; the
   * issuer's own context is unchanged.
   */
  export function delegate(issuer: Session, request: DelegateRequest): DelegationOffer;
  /**
   * Offers made to `receiver` and not yet accepted.
   */
  export function pendingOffers(receiver: Session): Array<DelegationOffer>;
  /**
   * Accepts an offer made to `receiver`: returns a new context, a child
   * of `receiver`, that presents the delegation (hop + 1).
   */
  export function accept(receiver: Session, delegationId: string): Session;
  /**
   * Revokes a delegation `by` issued (or one downstream of it), with
   * every edge and session derived from it; returns the delegation ids
   * revoked.
   */
  export function revoke(by: Session, delegationId: string): Array<string>;
  /**
   * The chain of authority behind `of`.
   */
  export function describeAuthority(of: Session): Array<ChainLink>;
  export type Error = import('caracal:agent/types@0.1.0').Error;
  export type DelegationConstraints = import('caracal:agent/types@0.1.0').DelegationConstraints;
  export type Session = import('caracal:agent/sessions@0.1.0').Session;
  /**
   * What to delegate, and to whom.
   */
  export interface DelegateRequest {
    /**
     * The receiving session's id.
     */
    toSessionId: string,
    /**
     * The receiving session's application.
     */
    toApplicationId: string,
    /**
     * Scopes offered; each must be held by the issuer (exact match).
     */
    scopes: Array<string>,
    /**
     * Lifetime of the delegation in seconds (required, 1..=86400).
     */
    ttlSeconds: number,
    /**
     * The resource the delegation is bound to (default: the issuer's).
     */
    resourceId?: string,
    /**
     * Bounds on further delegation.
     */
    constraints: DelegationConstraints,
    /**
     * The issuer's edge to narrow from; required when the issuer
     * presents more than one.
     */
    parentDelegationId?: string,
  }
  /**
   * An offered delegation edge.
   */
  export interface DelegationOffer {
    /**
     * The delegation id (UUIDv7); the receiver accepts it by this id.
     */
    id: string,
    /**
     * Scopes delegated.
     */
    scopes: Array<string>,
    /**
     * Unix time in milliseconds when it expires.
     */
    expiresAtMs: bigint,
    /**
     * Delegation hops between the application and this edge.
     */
    hop: number,
    /**
     * The session it is offered to.
     */
    toSessionId: string,
    /**
     * That session's application.
     */
    toApplicationId: string,
  }
  /**
   * One link of a session's chain of authority, from the session up to
   * its application.
   */
  export interface ChainLink {
    /**
     * The subject's zone.
     */
    zoneId: string,
    /**
     * The subject's application.
     */
    applicationId: string,
    /**
     * The session.
     */
    sessionId: string,
    /**
     * The delegation the session holds in the chain, if any.
     */
    delegationId?: string,
    /**
     * The delegation that one was narrowed from, if any.
     */
    parentDelegationId?: string,
    /**
     * Scopes held (`*` for the application's own authority).
     */
    scopes: Array<string>,
    /**
     * Delegation hops from the application.
     */
    hop: number,
  }
}
