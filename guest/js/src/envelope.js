// The envelope as the host hands it over (`headersFromBlock`), and putting
// it on a request's headers. Pure: runs under Node for tests. Mirrors the
// Rust SDK's `merge` module:
//
// - `authorization` and any other header of the envelope replace the
//   request's headers of the same name (a forged or stale bearer is
//   overwritten, and the host would refuse one anyway);
// - `traceparent` and `tracestate` travel as a pair: a request that already
//   has one valid `traceparent` keeps it and its `tracestate`; otherwise both
//   come from the envelope;
// - `baggage`: the request's foreign members are kept, its `caracal.*`
//   members dropped and the envelope's written instead; a foreign member the
//   envelope also has keeps the request's value. The result is kept within
//   the W3C limits (180 members, 8192 bytes) by dropping foreign members,
//   last key first.

import { UnavailableError } from './errors.js';

/**
 * The host's header block (a `name: value` line per header, as
 * `header-block` returns it) -> a plain object, ready for `fetch`'s
 * `headers` (repeats joined with `, `). One string crosses from the host
 * instead of a list of pairs. A line without `: ` is the host's bug:
 * UnavailableError.
 */
export function headersFromBlock(block) {
  const headers = {};
  for (const line of block.split('\n')) {
    if (line === '') continue;
    const at = line.indexOf(': ');
    if (at < 0) throw new UnavailableError(`the host sent a malformed header line ${JSON.stringify(line)}`);
    const name = line.slice(0, at);
    const value = line.slice(at + 2);
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}

const CARACAL_PREFIX = 'caracal.';
const MAX_MEMBERS = 180;
const MAX_BYTES = 8192;
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Whether `value` is a valid W3C `traceparent`. */
export function isValidTraceparent(value) {
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return false;
  const [, version, traceId, parentId, , rest] = m;
  if (version === 'ff') return false;
  if (version === '00' && rest !== undefined) return false;
  return !/^0+$/.test(traceId) && !/^0+$/.test(parentId);
}

/** Parses baggage header values into an ordered Map key -> member text. */
function parseBaggage(values) {
  const members = new Map();
  for (const value of values) {
    for (const part of value.split(',')) {
      const member = part.trim();
      if (!member) continue;
      const eq = member.indexOf('=');
      if (eq <= 0) return new Map(); // malformed: dropped whole, as a receiver would
      const key = member.slice(0, eq).trim();
      if (!members.has(key)) members.set(key, member);
    }
  }
  return members;
}

function bagString(members) {
  return [...members.values()].join(',');
}

/** The merged `baggage` value ('' when there are no members). */
export function mergeBaggage(requestValues, envelopeValues) {
  const merged = parseBaggage(requestValues);
  if (merged.size > MAX_MEMBERS || bagString(merged).length > MAX_BYTES) merged.clear();
  for (const key of [...merged.keys()]) if (key.startsWith(CARACAL_PREFIX)) merged.delete(key);
  for (const [key, member] of parseBaggage(envelopeValues)) {
    if (key.startsWith(CARACAL_PREFIX) || !merged.has(key)) merged.set(key, member);
  }
  const foreign = [...merged.keys()].filter((k) => !k.startsWith(CARACAL_PREFIX)).sort();
  while (merged.size > MAX_MEMBERS || bagString(merged).length > MAX_BYTES) {
    const key = foreign.pop();
    if (key === undefined) break;
    merged.delete(key);
  }
  return bagString(merged);
}

/**
 * Writes `envelope` (an object or [name, value] pairs, as from `headers()`)
 * onto `headers` (a `Headers` object), in place.
 */
export function applyEnvelope(headers, envelope) {
  const pairs = Array.isArray(envelope) ? envelope : Object.entries(envelope);
  const traceparent = headers.get('traceparent');
  // `Headers.get` joins repeated values with ", ": a joined value is invalid.
  const keepTrace = traceparent !== null && isValidTraceparent(traceparent);
  const envelopeBaggage = [];
  const replaced = new Set();
  for (const [rawName, value] of pairs) {
    const name = rawName.toLowerCase();
    if (name === 'baggage') {
      envelopeBaggage.push(value);
      continue;
    }
    if ((name === 'traceparent' || name === 'tracestate') && keepTrace) continue;
    if (replaced.has(name)) {
      headers.append(name, value);
    } else {
      headers.set(name, value);
      replaced.add(name);
    }
  }
  // A tracestate belongs to the traceparent it came with.
  if (!keepTrace && !replaced.has('tracestate')) headers.delete('tracestate');
  const requestBaggage = headers.get('baggage');
  const merged = mergeBaggage(requestBaggage === null ? [] : [requestBaggage], envelopeBaggage);
  headers.delete('baggage');
  if (merged) headers.set('baggage', merged);
  return headers;
}
