/// <reference path="./caracal-agent-types.d.ts" />
declare module 'caracal:agent/sessions@0.1.0' {
  /**
   * The root context: the running application's own authority.
   */
  export function context(): ContextSnapshot;
  /**
   * The root context's envelope; refused unless `allow-root` is true.
   */
  export function headers(allowRoot: boolean): HeaderList;
  /**
   * The root context's envelope as one header block (see
   * `session.header-block`); refused unless `allow-root` is true.
   */
  export function headerBlock(allowRoot: boolean): string;
  /**
   * Spawns a task session as a child of the root context.
   */
  export function spawn(options: SpawnOptions): Session;
  /**
   * Spawns a service session as a child of the root context.
   */
  export function spawnService(options: ServiceOptions): Session;
  /**
   * Takes over a live service session by id, for example one left by a
   * worker that crashed: the lease generation goes up by one and the
   * lease is renewed, so the previous holder's `heartbeat` and `close` are
   * refused from then on. Refused for a task (invalid), an unknown id
   * (not-found) and a session that is suspended or retired (gone).
   */
  export function attach(sessionId: string, heartbeatIntervalMs: bigint | undefined): Session;
  export type Error = import('caracal:agent/types@0.1.0').Error;
  export type SpawnOptions = import('caracal:agent/types@0.1.0').SpawnOptions;
  export type ServiceOptions = import('caracal:agent/types@0.1.0').ServiceOptions;
  export type Lease = import('caracal:agent/types@0.1.0').Lease;
  export type SessionStatus = import('caracal:agent/types@0.1.0').SessionStatus;
  export type ContextSnapshot = import('caracal:agent/types@0.1.0').Context;
  export type HeaderList = import('caracal:agent/types@0.1.0').Headers;
  
  export class Session implements Disposable {
    /**
     * This type does not have a public constructor.
     */
    private constructor();
    /**
    * The session id (UUIDv7).
    */
    id(): string;
    /**
    * A snapshot of this session's context.
    */
    context(): ContextSnapshot;
    /**
    * The outbound envelope for this session: `authorization`,
    * `traceparent`, `tracestate` when present, and `baggage`.
    */
    headers(): HeaderList;
    /**
    * The same envelope as `headers`, as one header block: a
    * `name: value` line for each header, in the same order, each
    * ended by `\n` (names are lowercase; no name or value holds a line
    * break). One string crosses into the guest instead of a list of
    * pairs, so this is the cheap form for a guest that projects headers
    * on every request.
    */
    headerBlock(): string;
    /**
    * Spawns a task session as a child of this one.
    */
    spawn(options: SpawnOptions): Session;
    /**
    * Spawns a service session as a child of this one.
    */
    spawnService(options: ServiceOptions): Session;
    /**
    * The session's status now: `suspended` once its lease lapsed (or
    * an ancestor's did), `terminated` once it was closed or expired.
    */
    status(): SessionStatus;
    /**
    * Renews a service session's lease from now. Refused for a task
    * session (invalid), for a holder whose lease generation is stale
    * because the session was attached elsewhere (denied), and once the
    * lease lapsed (gone: the session is suspended).
    */
    heartbeat(): Lease;
    /**
    * Retires this session and its descendants. A service holder whose
    * lease generation is stale is refused (denied).
    */
    close(): void;
    [Symbol.dispose](): void;
  }
}
