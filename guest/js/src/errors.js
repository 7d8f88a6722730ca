// Typed errors for the WIT variant `caracal:agent/types.error`, and for
// outbound HTTP failures (`wasi:http/types.error-code`).
//
// Every refusal from the host is one of the six kinds; a policy denial or a
// bad argument is an error value, never a trap. ComponentizeJS throws a WIT
// `result` error as an object whose `payload` is the variant (`{tag, val}`);
// `fromWit` turns that into one of the classes below.

/** Base class of every error the host returns through a Caracal interface. */
export class CaracalError extends Error {
  /**
   * @param {string} kind the WIT case: denied, invalid, not-found, gone, limit, unavailable
   * @param {string} message the host's message
   * @param {ErrorOptions} [options]
   */
  constructor(kind, message, options) {
    super(message, options);
    this.kind = kind;
  }

  get name() {
    return this.constructor.name;
  }

  /** `<kind>: <message>`, as the Rust SDK prints it. */
  toString() {
    return `${this.kind}: ${this.message}`;
  }
}

/** The request would widen authority, or policy forbids it. */
export class DeniedError extends CaracalError {
  constructor(message, options) {
    super('denied', message, options);
  }
}

/** An argument is malformed or out of range. */
export class InvalidError extends CaracalError {
  constructor(message, options) {
    super('invalid', message, options);
  }
}

/** The named session or delegation does not exist. */
export class NotFoundError extends CaracalError {
  constructor(message, options) {
    super('not-found', message, options);
  }
}

/** The session was closed, expired, revoked or suspended. */
export class GoneError extends CaracalError {
  constructor(message, options) {
    super('gone', message, options);
  }
}

/** A capacity limit (depth, live children, ...) would be exceeded. */
export class LimitError extends CaracalError {
  constructor(message, options) {
    super('limit', message, options);
  }
}

/** The host cannot serve the request right now. */
export class UnavailableError extends CaracalError {
  constructor(message, options) {
    super('unavailable', message, options);
  }
}

/**
 * The host refused an outbound HTTP request (`HTTP-request-denied`): no
 * scope for the route, `max_calls` spent, policy, not allow-listed, or the
 * session is no longer live. The reason is in the host's log and audit trail,
 * not in the guest. A `DeniedError`, so one `catch` handles both refusals.
 */
export class RequestDeniedError extends DeniedError {
  constructor(message, options) {
    super(message, options);
    /** The `wasi:http` error code. */
    this.code = 'HTTP-request-denied';
  }
}

/**
 * An outbound HTTP exchange failed for another reason than a denial. A
 * `TypeError`, as the platform `fetch` throws for network errors; `code` is
 * the `wasi:http/types.error-code` case (`connection-refused`,
 * `destination-IP-prohibited`, `HTTP-response-timeout`, ...).
 */
export class HttpError extends TypeError {
  constructor(code, message, options) {
    super(message, options);
    this.code = code;
  }

  get name() {
    return 'HttpError';
  }
}

const BY_KIND = {
  denied: DeniedError,
  invalid: InvalidError,
  'not-found': NotFoundError,
  gone: GoneError,
  limit: LimitError,
  unavailable: UnavailableError,
};

/**
 * Converts what a Caracal import threw into a typed error; anything that is
 * not a WIT `error` variant is returned unchanged.
 */
export function fromWit(thrown) {
  const variant = thrown && typeof thrown === 'object' && 'payload' in thrown ? thrown.payload : thrown;
  const Class = variant && typeof variant === 'object' ? BY_KIND[variant.tag] : undefined;
  if (!Class) return thrown;
  return new Class(String(variant.val ?? ''), { cause: thrown });
}

/** Calls a Caracal import, rethrowing its WIT error as a typed error. */
export function call(fn) {
  try {
    return fn();
  } catch (thrown) {
    throw fromWit(thrown);
  }
}
