// The guests benchmark's JavaScript agent: `start` spawns a labelled session
// and projects its headers once; `calls N` times N `headers()` calls and N
// `status()` calls (the cheapest import, the baseline) in the guest and
// prints both in nanoseconds per call.
import { caracal } from '@caracal/agent';

export function main(args) {
  const mode = args[0] ?? 'start';
  const session = caracal.spawn({ labels: ['bench'] });
  try {
    session.headers();
    if (mode === 'start') return 0;
    const n = Number(args[1]);
    let began = performance.now();
    for (let i = 0; i < n; i++) session.headers();
    const headersNs = ((performance.now() - began) * 1e6) / n;
    began = performance.now();
    for (let i = 0; i < n; i++) session.status();
    const noopNs = ((performance.now() - began) * 1e6) / n;
    console.log(`headers_ns=${headersNs.toFixed(0)} noop_ns=${noopNs.toFixed(0)}`);
    return 0;
  } finally {
    session.close();
  }
}
