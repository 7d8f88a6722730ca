// A blocking HTTP exchange over `wasi:http/outgoing-handler`, behind
// `caracal.fetch`. The platform `fetch` (StarlingMonkey's) goes through the
// same interface, but rejects a denial with a bare `TypeError` (and, before
// the host drained denied bodies, a denied request with a body aborted
// ComponentizeJS 0.23's engine); this transport turns a denial into a
// `RequestDeniedError` and never follows redirects, like the Rust SDK's
// `Transport`.
//
// The exchange blocks the component while it waits (imports are synchronous
// in ComponentizeJS): other JS tasks and timers do not run meanwhile. The
// host's own heartbeat timer still renews a service's lease.

import { outgoingHandler, http } from './wit.js';
import { HttpError, RequestDeniedError } from './errors.js';

const { Fields, OutgoingRequest, OutgoingBody, IncomingBody, RequestOptions } = http;

// Headers `wasi:http` forbids a guest to set; `content-length` is written
// by the transport itself.
const FORBIDDEN = new Set([
  'connection', 'host', 'http2-settings', 'keep-alive', 'proxy-authenticate',
  'proxy-authorization', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade',
]);
const METHODS = new Set(['get', 'head', 'post', 'put', 'delete', 'connect', 'options', 'trace', 'patch']);
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
const WRITE_CHUNK = 4096;
const READ_CHUNK = 65536n;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function dispose(resource) {
  try {
    resource?.[Symbol.dispose]?.();
  } catch {
    // Already dropped or consumed.
  }
}

function payload(thrown) {
  return thrown && typeof thrown === 'object' && 'payload' in thrown ? thrown.payload : thrown;
}

/** A typed error for a `wasi:http/types.error-code`. */
export function errorFromCode(code, url) {
  const tag = code?.tag ?? String(code);
  if (tag === 'HTTP-request-denied') {
    return new RequestDeniedError(`the host refused ${url} (HTTP-request-denied; the reason is in the host's log)`);
  }
  let detail = '';
  if (code?.val !== undefined) {
    detail = `: ${JSON.stringify(code.val, (_, v) => (typeof v === 'bigint' ? Number(v) : v))}`;
  }
  return new HttpError(tag, `${tag}${detail} (${url})`);
}

function method(name) {
  const lower = name.toLowerCase();
  return METHODS.has(lower) && name.toUpperCase() === name ? { tag: lower } : { tag: 'other', val: name };
}

/**
 * Sends one request and reads the whole response into a `Response`.
 *
 * @param {{method: string, url: URL, headers: Headers, body: Uint8Array, timeoutMs?: number}} request
 * @returns {Response}
 */
export function send({ method: verb, url, headers, body, timeoutMs }) {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`scheme ${url.protocol} is not supported: use http or https`);
  }
  if (url.username || url.password) throw new TypeError(`user info in the URL ${url.href} is not supported`);
  const list = [];
  for (const [name, value] of headers) {
    if (FORBIDDEN.has(name)) throw new TypeError(`the ${name} header cannot be set on a wasi:http request`);
    if (name === 'content-length') continue;
    list.push([name, encoder.encode(value)]);
  }
  if (body.length > 0 || verb === 'POST' || verb === 'PUT' || verb === 'PATCH') {
    list.push(['content-length', encoder.encode(String(body.length))]);
  }
  const outgoing = new OutgoingRequest(Fields.fromList(list));
  outgoing.setMethod(method(verb));
  outgoing.setScheme({ tag: url.protocol === 'https:' ? 'HTTPS' : 'HTTP' });
  outgoing.setAuthority(url.host);
  outgoing.setPathWithQuery(`${url.pathname}${url.search}` || '/');
  let options;
  if (timeoutMs !== undefined) {
    const ns = BigInt(Math.round(timeoutMs * 1e6));
    options = new RequestOptions();
    options.setConnectTimeout(ns);
    options.setFirstByteTimeout(ns);
    options.setBetweenBytesTimeout(ns);
  }
  const outgoingBody = outgoing.body();
  let future;
  try {
    future = outgoingHandler.handle(outgoing, options);
  } catch (thrown) {
    dispose(outgoingBody);
    throw errorFromCode(payload(thrown), url.href);
  }
  // Write the body; a closed stream means the host already failed the
  // request (denied, refused): the response future says why.
  const stream = outgoingBody.write();
  try {
    for (let at = 0; at < body.length; at += WRITE_CHUNK) {
      stream.blockingWriteAndFlush(body.subarray(at, at + WRITE_CHUNK));
    }
  } catch {
    // Reported by the future below.
  }
  dispose(stream);
  try {
    OutgoingBody.finish(outgoingBody, undefined);
  } catch {
    // As above.
  }
  const ready = future.subscribe();
  ready.block();
  dispose(ready);
  const outcome = future.get();
  dispose(future);
  // option<result<result<incoming-response, error-code>>>
  if (outcome === undefined || outcome.tag !== 'ok') {
    throw new HttpError('internal-error', `the response future failed (${url.href})`);
  }
  if (outcome.val.tag !== 'ok') throw errorFromCode(outcome.val.val, url.href);
  return readResponse(outcome.val.val, url);
}

function readResponse(incoming, url) {
  const status = incoming.status();
  const fields = incoming.headers();
  const responseHeaders = new Headers();
  for (const [name, value] of fields.entries()) responseHeaders.append(name, decoder.decode(value));
  dispose(fields);
  const incomingBody = incoming.consume();
  const stream = incomingBody.stream();
  const chunks = [];
  let length = 0;
  try {
    for (;;) {
      let chunk;
      try {
        chunk = stream.blockingRead(READ_CHUNK);
      } catch (thrown) {
        const error = payload(thrown);
        if (error?.tag === 'closed') break;
        const why = error?.val?.toDebugString?.() ?? String(error?.tag ?? thrown);
        throw new HttpError('HTTP-protocol-error', `reading the response body failed: ${why} (${url.href})`);
      }
      if (chunk.length) {
        chunks.push(chunk);
        length += chunk.length;
      }
    }
  } finally {
    dispose(stream);
    try {
      dispose(IncomingBody.finish(incomingBody));
    } catch {
      // The trailers are not read.
    }
    dispose(incoming);
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  const response = new Response(NULL_BODY.has(status) ? null : bytes, { status, headers: responseHeaders });
  try {
    Object.defineProperty(response, 'url', { value: url.href });
  } catch {
    // Leave the platform's empty url.
  }
  return response;
}
