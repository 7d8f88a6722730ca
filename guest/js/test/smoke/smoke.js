// A plain-JavaScript guest smoke test of the SDK against a live host and
// the loopback tickets API (see ../../BUILD.md, "Verify"). Prints one
// `check <name>: <result>` line per check; the last argument `fail` makes
// main throw, to check the exit status.
import { caracal, Caracal, DeniedError, GoneError, Grant, InvalidError, RequestDeniedError, HttpError, args } from '@caracal/agent';

const check = (name, result) => console.log(`check ${name}: ${result}`);
const expectError = (f, Class) => {
  try {
    f();
    return 'no error (unexpected)';
  } catch (error) {
    return error instanceof Class ? `${error.name} ${error.kind ?? ''}: ${error.message}` : `wrong error ${error}`;
  }
};

export async function main(argv) {
  const base = argv[0] ?? 'http://127.0.0.1:8080/api';
  check('args', JSON.stringify(args()));
  check('root-headers', expectError(() => caracal.headers(), DeniedError));
  const rootHeaders = new Caracal({ allowRoot: true }).headers();
  check('root-headers-allowed', Object.keys(rootHeaders).join(','));
  check('delegate-unbound', expectError(() => caracal.delegate({ toSessionId: 'x', toApplicationId: 'y', scopes: [] }), InvalidError));
  try {
    await caracal.fetch(`${base}/tickets`);
    check('fetch-unbound', 'allowed (unexpected)');
  } catch (error) {
    check('fetch-unbound', `${error.name}: ${error.message}`);
  }

  const parent = caracal.spawn({ labels: ['smoke'], grant: Grant.narrow(['tickets:read', 'tickets:write'], { resourceId: 'resource://tickets', constraints: { maxHops: 3 } }), ttlSeconds: 120 });
  check('bound', caracal.current() === parent);

  // The envelope on a routed request, seen by the upstream (the embedded
  // gateway replaces the bearer with the injected credential, masked in the
  // echoed body).
  const echoed = await (await caracal.fetch(`${base}/echo`, { headers: { authorization: 'Bearer forged', baggage: 'mine=1,caracal.hop=9', traceparent: 'bad' } })).json();
  check('echo-routed', `authorization=${echoed.headers.authorization} baggage=${echoed.headers.baggage ?? '-'} traceparent=${echoed.headers.traceparent ? 'set' : '-'}`);

  // The platform fetch with the helper, and without it.
  const plain = await fetch(`${base}/echo`, caracal.withEnvelope(`${base}/echo`, { headers: { 'x-test': '1' } }));
  check('platform-fetch-withEnvelope', `${plain.status} ${JSON.stringify((await plain.json()).headers.authorization)}`);
  const bare = await fetch(`${base}/echo`);
  check('platform-fetch-bare', `${bare.status} ${JSON.stringify((await bare.json()).headers.authorization)}`);
  const forged = await fetch(`${base}/echo`, { headers: { authorization: 'Bearer forged-by-guest' } });
  check('platform-fetch-forged', `${forged.status} ${JSON.stringify((await forged.json()).headers.authorization)}`);
  check('withEnvelope-unrouted', JSON.stringify(caracal.withEnvelope('http://127.0.0.1:9/x', { method: 'GET' })));

  const redirect = await caracal.fetch(`${base}/redirect`);
  check('redirect', `${redirect.status} location=${redirect.headers.get('location')} redirected=${redirect.redirected}`);

  try {
    await caracal.fetch('http://127.0.0.1:9/not-allowed', { method: 'POST', body: 'x' });
    check('unlisted-post', 'allowed (unexpected)');
  } catch (error) {
    check('unlisted-post', `${error.name} instanceof RequestDeniedError=${error instanceof RequestDeniedError}`);
  }

  // bind / run / close semantics.
  const child = parent.spawn({ labels: ['child'], grant: Grant.none() });
  check('child-bound', caracal.current() === child);
  const bound = caracal.bind(parent, () => caracal.current() === parent);
  check('bind-fn', `${bound} after=${caracal.current() === child}`);
  {
    using _guard = caracal.bind(parent);
    check('bind-using', caracal.current() === parent);
  }
  child.close();
  check('close-unbinds', caracal.current() === parent);
  check('after-close', expectError(() => child.headers(), GoneError));
  const ran = await caracal.run({ labels: ['job'] }, async (s) => s.context().depth);
  check('run', `depth=${ran} unbound-after=${caracal.current() === parent}`);

  // Delegation between two sessions of this application.
  const receiver = parent.spawn({ labels: ['receiver'], grant: Grant.none() });
  const offer = parent.delegate({ toSessionId: receiver.id, toApplicationId: parent.context().applicationId, scopes: ['tickets:read'], ttlSeconds: 60, resourceId: 'resource://tickets' });
  check('delegate', `hop=${offer.hop} scopes=${offer.scopes} pending=${receiver.pendingOffers().length}`);
  const accepted = receiver.accept(offer.id);
  check('accept', `hop=${accepted.context().hop} authority=${accepted.describeAuthority().length} links`);
  check('revoke', `${parent.revoke(offer.id).length} revoked; accepted headers: ${expectError(() => accepted.headers(), GoneError)}`);

  try {
    await parent.fetch(`${base}/tickets/99`);
    check('404', 'ok');
  } catch (error) {
    check('404', `${error}`);
  }
  parent.close();
  if (argv.at(-1) === 'fail') throw new DeniedError('smoke asked to fail');
}
