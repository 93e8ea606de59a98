// What the burst and memory benchmarks share: posting a batch of events to ingress until it is accepted, and a
// process's resident memory.
import { readFileSync } from 'node:fs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** VmRSS of a process in MB, from /proc (Linux); NaN when it cannot be read. */
export function rssMb(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

/** Posts one batch to ingress, backing off on 429 and 503 until it answers 202; any other answer throws. */
export async function postEvents(url: string, apiKey: string, events: object[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ events }),
    });
    if (res.status === 202) return;
    if (res.status === 429 || res.status === 503) {
      await sleep(Math.min(2000, 100 * 2 ** attempt));
      continue;
    }
    throw new Error(`ingress answered ${res.status}: ${await res.text()}`);
  }
}
