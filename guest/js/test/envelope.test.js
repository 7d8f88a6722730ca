// Unit tests of putting the envelope on request headers (pure module; runs
// under Node). The rules mirror the Rust SDK's `merge` module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEnvelope, headersFromBlock, isValidTraceparent, mergeBaggage } from '../src/envelope.js';
import { UnavailableError } from '../src/errors.js';

const TP_A = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const TP_B = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const envelope = [
  ['authorization', 'Bearer host-minted'],
  ['traceparent', TP_B],
  ['baggage', 'caracal.session=s1,caracal.hop=1'],
];

test('authorization is replaced, a forged one included', () => {
  const h = applyEnvelope(new Headers({ authorization: 'Bearer forged' }), envelope);
  assert.equal(h.get('authorization'), 'Bearer host-minted');
});

test('a valid request traceparent is kept with its tracestate', () => {
  const h = applyEnvelope(new Headers({ traceparent: TP_A, tracestate: 'k=v' }), envelope);
  assert.equal(h.get('traceparent'), TP_A);
  assert.equal(h.get('tracestate'), 'k=v');
});

test('an invalid traceparent is replaced and its tracestate dropped', () => {
  const h = applyEnvelope(new Headers({ traceparent: 'bad', tracestate: 'k=v' }), envelope);
  assert.equal(h.get('traceparent'), TP_B);
  assert.equal(h.get('tracestate'), null);
});

test('baggage keeps foreign members and takes caracal.* from the envelope', () => {
  const h = applyEnvelope(new Headers({ baggage: 'mine=1, caracal.hop=9' }), envelope);
  assert.equal(h.get('baggage'), 'mine=1,caracal.session=s1,caracal.hop=1');
});

test('traceparent validity', () => {
  assert.ok(isValidTraceparent(TP_A));
  assert.ok(!isValidTraceparent('ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'));
  assert.ok(!isValidTraceparent('00-00000000000000000000000000000000-b7ad6b7169203331-01'));
  assert.ok(!isValidTraceparent(`${TP_A}, ${TP_B}`));
});

test('baggage is kept within the W3C limits by dropping foreign members', () => {
  const many = Array.from({ length: 200 }, (_, i) => `k${String(i).padStart(3, '0')}=v`).join(',');
  const merged = mergeBaggage([], [many, 'caracal.session=s1']);
  const members = merged.split(',');
  assert.equal(members.length, 180);
  assert.ok(members.includes('caracal.session=s1'));
  assert.ok(!members.includes('k199=v'), 'the last keys go first');
});

test('the host header block reads as an object, and a malformed line is refused', () => {
  const block = `authorization: Bearer t\ntraceparent: ${TP_B}\nbaggage: caracal.session=s1,k=a: b\n`;
  assert.deepEqual(headersFromBlock(block), {
    authorization: 'Bearer t',
    traceparent: TP_B,
    baggage: 'caracal.session=s1,k=a: b',
  });
  assert.deepEqual(headersFromBlock(''), {});
  assert.throws(() => headersFromBlock('authorization Bearer t\n'), UnavailableError);
});
