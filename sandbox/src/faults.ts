// Fault injection for both stand-ins: for a window of time or a number of requests, Slack and/or Asana
// answer 429 (with Retry-After) or 500/503, as the real services do on a bad day.
import type { FastifyInstance } from 'fastify';
import type { SandboxState } from './state';

export type FaultService = 'slack' | 'asana';
export type FaultStatus = 429 | 500 | 503;

export interface FaultSpec {
  target: FaultService | 'both';
  status: FaultStatus;
  /** How long the fault lasts. */
  seconds?: number;
  /** How many requests it answers (per fault, across its targets). */
  count?: number;
  /** Retry-After in seconds: always sent with 429 (default 1), with 503 when given. */
  retryAfter?: number;
}

export interface ActiveFault {
  id: number;
  targets: FaultService[];
  status: FaultStatus;
  retryAfter: number | null;
  until: number | null;
  remaining: number | null;
  served: number;
}

export interface FaultAnswer {
  status: FaultStatus;
  retryAfter: number | null;
}

export class FaultInjector {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  add(spec: FaultSpec, now = Date.now()): ActiveFault {
    const fault: ActiveFault = {
      id: this.nextId++,
      targets: spec.target === 'both' ? ['slack', 'asana'] : [spec.target],
      status: spec.status,
      retryAfter: spec.retryAfter ?? (spec.status === 429 ? 1 : null),
      until: spec.seconds !== undefined ? now + spec.seconds * 1000 : null,
      remaining: spec.count ?? null,
      served: 0,
    };
    this.faults.push(fault);
    return fault;
  }

  clear(): void {
    this.faults = [];
  }

  active(now = Date.now()): ActiveFault[] {
    this.faults = this.faults.filter(
      (f) => (f.until === null || f.until > now) && (f.remaining === null || f.remaining > 0),
    );
    return this.faults;
  }

  /** The fault this request meets, if any (the oldest active one for the service), counting it as served. */
  take(service: FaultService, now = Date.now()): FaultAnswer | null {
    const fault = this.active(now).find((f) => f.targets.includes(service));
    if (!fault) return null;
    fault.served++;
    if (fault.remaining !== null) fault.remaining--;
    return { status: fault.status, retryAfter: fault.retryAfter };
  }
}

const faultSchema = {
  type: 'object',
  required: ['target', 'status'],
  additionalProperties: false,
  properties: {
    target: { enum: ['slack', 'asana', 'both'] },
    status: { enum: [429, 500, 503] },
    seconds: { type: 'number', exclusiveMinimum: 0 },
    count: { type: 'integer', minimum: 1 },
    retryAfter: { type: 'integer', minimum: 0 },
  },
  anyOf: [{ required: ['seconds'] }, { required: ['count'] }],
} as const;

/** POST /_sandbox/faults adds one, GET lists the active ones, DELETE ends them all. */
export function registerFaultRoutes(app: FastifyInstance, faults: FaultInjector, state: SandboxState): void {
  app.post<{ Body: FaultSpec }>('/_sandbox/faults', { schema: { body: faultSchema } }, async (request, reply) => {
    return reply.code(201).send(faults.add(request.body));
  });
  app.get('/_sandbox/faults', async () => ({ faults: faults.active(), served: state.counters.faultsServed.counts }));
  app.delete('/_sandbox/faults', async () => {
    faults.clear();
    return { faults: [] };
  });
}
