// Records what Dashbot's SDK sends: a local HTTP server standing in for tracker.dashbot.io that keeps each
// request's query and JSON body, so the pure mappings are tested against the SDK's own output.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dashbotClient, type Scenario } from './scenarios';

export interface RecordedRequest {
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export class SdkRecorder {
  private readonly requests: RecordedRequest[] = [];
  private waiting: (() => void)[] = [];
  private server?: Server;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://recorder');
        this.requests.push({
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'),
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        for (const wake of this.waiting.splice(0)) wake();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  get root(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Runs one scenario through the real SDK and returns the request it made. */
  async record(scenario: Scenario, apiKey = 'recorder-key-0123456789'): Promise<RecordedRequest> {
    const before = this.requests.length;
    // Some SDK calls (Google's) do not return their request's promise: wait for the request itself.
    const arrived = new Promise<void>((resolve) => this.waiting.push(resolve));
    await scenario.log(dashbotClient(apiKey, this.root));
    while (this.requests.length <= before) await arrived;
    return this.requests[before];
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
