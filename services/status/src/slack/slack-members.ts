// Slack's answers the operator check needs, through the real Slack client: who a user is (users.info), who
// is in the allowed user groups (usergroups.users.list), our own team (auth.test), and ephemeral messages
// such as the "not allowed" reply (chat.postEphemeral). Answers are kept a minute, so a removal takes effect within one.
import { WebClient } from '@slack/web-api';
import type { Logger, Metrics } from '@switchboard/core';
import { countedCall } from '../external-call';
import {
  NOT_ALLOWED_TEXT,
  operatorVerdict,
  type AllowedOperators,
  type OperatorVerdict,
  type SlackMember,
} from './operator-policy';

const CACHE_MS = 60000;

export interface SlackMembersOptions {
  token: string;
  apiUrl?: string;
  allowed: AllowedOperators;
  logger: Logger;
  metrics: Metrics;
}

export class SlackMembers {
  private readonly client: WebClient;
  private readonly members = new Map<string, { at: number; member: SlackMember }>();
  private groups?: { at: number; members: Set<string> };
  private ourTeam?: string;

  constructor(private readonly options: SlackMembersOptions) {
    this.client = new WebClient(options.token, {
      slackApiUrl: options.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: 2000,
    });
  }

  /** Whether this user may act; refused (never allowed) when Slack cannot be asked. */
  async check(userId: string, nowMs = Date.now()): Promise<OperatorVerdict> {
    try {
      const [member, ourTeam, groupMembers] = await Promise.all([
        this.member(userId, nowMs),
        this.team(),
        this.groupMembers(nowMs),
      ]);
      return operatorVerdict(member, ourTeam, this.options.allowed, groupMembers);
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message, userId }, 'could not check the Slack user; refused');
      return { ok: false, reason: 'could not check the user with Slack' };
    }
  }

  /** Tells the user, and only them, that they may not act. Best effort. */
  async tellNotAllowed(channel: string, userId: string): Promise<void> {
    await this.postEphemeral(channel, userId, NOT_ALLOWED_TEXT).catch((err: Error) =>
      this.options.logger.warn({ err: err.message, channel, userId }, 'could not send the "not allowed" message'),
    );
  }

  /** A message only this user sees, in this channel; throws when Slack does not take it. */
  async postEphemeral(channel: string, userId: string, text: string, blocks?: unknown[]): Promise<void> {
    await this.call('chat.postEphemeral', () =>
      this.client.chat.postEphemeral({ channel, user: userId, text, ...(blocks ? { blocks: blocks as never } : {}) }),
    );
  }

  private async member(userId: string, nowMs: number): Promise<SlackMember> {
    const hit = this.members.get(userId);
    if (hit && nowMs - hit.at < CACHE_MS) return hit.member;
    const res = await this.call('users.info', () => this.client.users.info({ user: userId }));
    const u = (res.user ?? {}) as {
      team_id?: string;
      is_restricted?: boolean;
      is_ultra_restricted?: boolean;
      is_stranger?: boolean;
      deleted?: boolean;
    };
    const member = {
      id: userId,
      teamId: u.team_id ?? '',
      guest: Boolean(u.is_restricted || u.is_ultra_restricted),
      stranger: Boolean(u.is_stranger),
      deleted: Boolean(u.deleted),
    };
    this.members.set(userId, { at: nowMs, member });
    return member;
  }

  private async team(): Promise<string> {
    if (this.ourTeam === undefined)
      this.ourTeam = String((await this.call('auth.test', () => this.client.auth.test())).team_id ?? '');
    return this.ourTeam;
  }

  private async groupMembers(nowMs: number): Promise<Set<string>> {
    if (this.options.allowed.groups.length === 0) return new Set();
    if (this.groups && nowMs - this.groups.at < CACHE_MS) return this.groups.members;
    const members = new Set<string>();
    for (const usergroup of this.options.allowed.groups) {
      const res = await this.call('usergroups.users.list', () => this.client.usergroups.users.list({ usergroup }));
      for (const id of res.users ?? []) members.add(id);
    }
    this.groups = { at: nowMs, members };
    return members;
  }

  private call<T>(method: string, run: () => Promise<T>): Promise<T> {
    return countedCall(this.options.metrics, 'slack', method, run);
  }
}
