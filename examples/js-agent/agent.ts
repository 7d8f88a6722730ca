// js-agent: the ticket-agent flow in TypeScript, plus the SDK basics.
//
// A labelled `triage` session holds tickets:read and tickets:write on
// resource://tickets. It spawns a child narrowed to tickets:read with
// maxCalls 2; the child's attempt to widen itself is refused with a typed
// DeniedError; the child reads the tickets through the host's embedded
// gateway (the host injects the upstream token, which the agent never sees)
// and its write is denied; the parent's write is allowed. A service session
// with a host-driven heartbeat renews its lease once. Last, the per-call cost
// of `headers()` against a cheap import.
//
// Run it (from examples/js-agent/, with the tickets API on 127.0.0.1:8080
// and its token in TICKETS_TOKEN; the host reads caracal.toml from the
// current directory):
//
//   ../../guest/js/scripts/build.sh agent.ts agent.wasm && TICKETS_TOKEN=… ../../target/debug/caracal-host run agent.wasm -- http://127.0.0.1:8080/api
//
// Output: one `step <name>: <result>` line per step. Exits 1 if the
// read-only child was allowed to write.

import { caracal, DeniedError, Grant, type Session, wit } from '@caracal/agent';

const RESOURCE = 'resource://tickets';

function step(name: string, result: string): void {
  console.log(`step ${name}: ${result}`);
}

/** The envelope with the bearer's value withheld (only its length shown). */
function describeHeaders(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([name, value]) => (name === 'authorization' ? `${name}=<${value.split(' ')[0]} ${value.length} chars>` : `${name}=${value}`))
    .join(' ');
}

async function call(session: Session, method: string, url: string): Promise<string> {
  const init: RequestInit = method === 'POST'
    ? { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'printer on fire' }) }
    : { method };
  try {
    const response = await session.fetch(url, init);
    return `${response.status} ${await response.text()}`;
  } catch (error) {
    if (error instanceof DeniedError) return `denied (${error.name})`;
    throw error;
  }
}

function perCallMicros(n: number, f: () => unknown): string {
  const start = performance.now();
  for (let i = 0; i < n; i++) f();
  return ((performance.now() - start) * 1000 / n).toFixed(2);
}

export async function main(args: string[]): Promise<void> {
  const base = (args[0] ?? 'http://127.0.0.1:8080/api').replace(/\/+$/, '');

  const root = caracal.context();
  step('root', `zone=${root.zoneId} application=${root.applicationId} depth=${root.depth}`);

  using parent = caracal.spawn({
    labels: ['triage'],
    grant: Grant.narrow(['tickets:read', 'tickets:write'], { resourceId: RESOURCE, constraints: { maxHops: 2 } }),
  });
  const info = parent.context();
  step('spawn', `session=${parent.id} labels=${info.labels.join(',')} lifecycle=${info.lifecycle} hop=${info.hop} depth=${info.depth}`);
  step('headers', describeHeaders(caracal.headers()));
  step('routed', `${caracal.routedPrefixes().join(',')} tickets=${caracal.isRouted(`${base}/tickets`)} other=${caracal.isRouted('http://127.0.0.1:9/x')}`);

  let childWrote = false;
  {
    using child = parent.spawn({
      labels: ['reader'],
      grant: Grant.narrow(['tickets:read'], { resourceId: RESOURCE, constraints: { maxCalls: 2 } }),
    });
    const childInfo = child.context();
    step('child', `session=${child.id} hop=${childInfo.hop} depth=${childInfo.depth} delegation=${childInfo.delegationId ? 'yes' : 'no'}`);
    try {
      using widened = child.spawn({ grant: Grant.narrow(['tickets:write'], { resourceId: RESOURCE }) });
      step('widen', `allowed (unexpected) ${widened.id}`);
    } catch (error) {
      if (!(error instanceof DeniedError)) throw error;
      step('widen', `refused ${error.name} kind=${error.kind}: ${error.message}`);
    }
    step('child-read', await call(child, 'GET', `${base}/tickets`));
    const write = await call(child, 'POST', `${base}/tickets`);
    childWrote = !write.startsWith('denied');
    step('child-write', write);
    const chain = child.describeAuthority().map((link) => `${link.subject}[${link.scopes.join(' ')}]`);
    step('authority', chain.join(' <- '));
  } // the child is closed here; the parent is bound again
  step('parent-write', await call(parent, 'POST', `${base}/tickets`));

  {
    using service = caracal.spawnService({
      labels: ['worker'],
      grant: Grant.narrow(['tickets:read'], { resourceId: RESOURCE }),
      heartbeatIntervalMs: 1000,
    });
    const lease = service.heartbeat();
    step('service', `lifecycle=${service.context().lifecycle} generation=${lease.generation} status=${lease.status} deadline-in=${Math.round((lease.deadlineMs - Date.now()) / 1000)}s`);
  }

  const n = 10_000;
  const headersUs = perCallMicros(n, () => parent.headers());
  const prefixesUs = perCallMicros(n, () => wit.outbound.routedPrefixes());
  step('bench', `headers()=${headersUs}us/call routedPrefixes()=${prefixesUs}us/call n=${n}`);

  parent.close();
  step('close', `status=${parent.status()}`);
  if (childWrote) throw new Error('the read-only child was allowed to write');
}
