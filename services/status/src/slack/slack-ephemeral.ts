// Private answers to one Slack user in a channel or thread (chat.postEphemeral), through the real Slack client,
// counted like every Slack call. Slack keeps no copy: an ephemeral message is gone when the user reloads.
import { WebClient } from '@slack/web-api';
import type { Metrics } from '@switchboard/core';
import { countedCall } from '../external-call';

export interface EphemeralMessage {
  channel: string;
  user: string;
  text: string;
  blocks?: object[];
  /** Shown in this thread (else in the channel). */
  threadTs?: string;
}

export class SlackEphemeral {
  private readonly client: WebClient;

  constructor(private readonly options: { token: string; apiUrl?: string; metrics: Metrics }) {
    this.client = new WebClient(options.token, {
      slackApiUrl: options.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: 2000,
    });
  }

  async tell(message: EphemeralMessage): Promise<void> {
    await countedCall(this.options.metrics, 'slack', 'chat.postEphemeral', () =>
      this.client.chat.postEphemeral({
        channel: message.channel,
        user: message.user,
        text: message.text,
        ...(message.blocks ? { blocks: message.blocks } : {}),
        ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
      }),
    );
  }
}
