// The fetch the soak clients send with: the global fetch, plus a fault script. Each attempt of call
// `x-soak-call` gets the next fault of that call's plan, named to the server in `x-soak-fault`; a
// 'refused' attempt goes to a closed port instead, so it fails the way a real refusal does
// (ECONNREFUSED from undici), before a byte is sent.
//
// It hands the transport's (url, init) on as they are, with one header more, and makes no Request
// of its own: a Request in between would carry the attempt's abort only while that object lives
// (nodejs/undici#4068), and the soak is about the client, not about that. (The client now ends an
// attempt whose fetch lost the abort too: test/faults/wrapping-fetch-after-garbage-collection.test.ts.)
import { createServer } from 'node:net';
import type { Fault } from './call-faults.js';

export interface ScriptedFetch {
  fetch: typeof fetch;
  /** Attempts made so far, by call. */
  attempts: Uint16Array;
}

/** A loopback port that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export function scriptedFetch(plans: readonly (readonly Fault[])[], refusingOrigin: string): ScriptedFetch {
  const attempts = new Uint16Array(plans.length);
  const scripted: typeof fetch = (input, init) => {
    // The transport calls fetch(url, init) (src/internal/transport.ts).
    const url = String(input);
    const headers = new Headers(init?.headers);
    const call = Number(headers.get('x-soak-call'));
    const plan = plans[call];
    if (!plan) return Promise.reject(new Error(`no plan for call ${headers.get('x-soak-call')}`));
    // An attempt beyond the plan is a retry the policy does not promise: the server flags it.
    const fault = plan[attempts[call]!++] ?? 'unplanned';
    if (fault === 'refused') {
      const { pathname, search } = new URL(url);
      return fetch(refusingOrigin + pathname + search, init);
    }
    headers.set('x-soak-fault', fault);
    return fetch(url, { ...init, headers });
  };
  return { fetch: scripted, attempts };
}
