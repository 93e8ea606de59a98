// A bot for fault tests: posts a steady stream of events round-robin over N conversations, each with its
// own idempotency key, and retries an event (same key) until ingress answers 202 — as a real bot would
// when told 503. Keeps which events were accepted.

export class EventDriver {
  readonly accepted = new Set<string>();
  unavailable = 0;
  private running = false;
  private sequence = 0;
  private loop?: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly apiKey: string,
    private readonly conversationCount: number,
  ) {}

  conversations(): string[] {
    return Array.from({ length: this.conversationCount }, (_, i) => `fault-conv-${i}`);
  }

  conversationOf(eventId: string): string {
    return eventId.slice(0, eventId.lastIndexOf(':'));
  }

  acceptedOf(conversation: string): string[] {
    return [...this.accepted].filter((id) => this.conversationOf(id) === conversation);
  }

  start(perSecond: number): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const n = this.sequence++;
        const conversation = `fault-conv-${n % this.conversationCount}`;
        const eventId = `${conversation}:${n}`;
        await this.deliver(conversation, eventId, n);
        await new Promise((r) => setTimeout(r, 1000 / perSecond));
      }
    })();
  }

  stop(): Promise<void> | undefined {
    this.running = false;
    return this.loop;
  }

  async waitAccepted(count: number, timeoutMs = 180000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.accepted.size < count) {
      if (Date.now() > until) throw new Error(`only ${this.accepted.size} of ${count} events accepted`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async deliver(conversation: string, eventId: string, n: number): Promise<void> {
    const body = JSON.stringify({
      event_id: eventId,
      conversation_id: conversation,
      user: { id: `user-${conversation}`, name: 'Fault Tester' },
      team: { id: 'team-faults', name: 'Faults Inc' },
      text: n % 7 === 0 ? 'I want a refund' : `message ${n}`,
    });
    while (this.running) {
      try {
        const res = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.apiKey}` },
          body,
          signal: AbortSignal.timeout(15000),
        });
        if (res.status === 202) {
          this.accepted.add(eventId);
          return;
        }
        if (res.status < 500) throw new Error(`ingress refused a valid event: ${res.status} ${await res.text()}`);
      } catch (err) {
        if ((err as Error).message.startsWith('ingress refused')) throw err;
      }
      this.unavailable += 1;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
