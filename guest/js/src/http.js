// Outbound HTTP with the Caracal envelope (WIT
// `caracal:agent/outbound.routed-prefixes`): `caracal.fetch`,
// `session.fetch` and the `withEnvelope` helper for the platform `fetch`.
//
// Only a request whose URL is under one of the host's gateway-routed
// prefixes carries the envelope; any other request goes out as built. The
// host applies the same rule, and on a routed request it replaces whatever
// `authorization` the guest sent (the embedded gateway strips the envelope
// and injects the upstream credential, which the guest never sees).

import { outbound } from './wit.js';
import { isRouted } from './route.js';
import { applyEnvelope } from './envelope.js';
import { send } from './transport.js';

let prefixes;

/** The host's gateway-routed URL prefixes (constant for a run: read once). */
export function routedPrefixes() {
  prefixes ??= Object.freeze(outbound.routedPrefixes());
  return prefixes;
}

/** Whether a request to `url` gets the envelope. */
export function routed(url) {
  return isRouted(new URL(String(url)).href, routedPrefixes());
}

/**
 * The platform `fetch`'s arguments with the envelope put on them when the
 * URL is gateway-routed: `fetch(url, withEnvelope(envelope, url, init))`.
 * `envelope` is called only for a routed URL.
 */
export function withEnvelope(envelope, input, init = {}) {
  const url = input instanceof Request ? input.url : String(input);
  if (!routed(url)) return init;
  const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
  applyEnvelope(headers, envelope());
  return { ...init, headers };
}

/**
 * `fetch` over the SDK's blocking `wasi:http` transport, with the envelope
 * on gateway-routed URLs. Resolves to a `Response` of any status; rejects
 * with `RequestDeniedError` when the host refuses the request, `HttpError`
 * when the exchange fails. Redirects are never followed. Extra init field:
 * `timeoutMs` (connect, first-byte and between-bytes timeouts).
 */
export async function governedFetch(envelope, input, init = {}) {
  const request = new Request(input, init);
  const url = new URL(request.url);
  const headers = new Headers(request.headers);
  if (isRouted(url.href, routedPrefixes())) applyEnvelope(headers, envelope());
  const body = request.body === null ? new Uint8Array(0) : new Uint8Array(await request.arrayBuffer());
  return send({ method: request.method, url, headers, body, timeoutMs: init.timeoutMs });
}
