// Who acted, for the records: a Slack user or an Asana user becomes an Operator with a name and email.
// The configured operators are asked first (an Asana user also by their email), then Slack's users.info /
// Asana's users API (cached in Redis for a day); if those fail, the id and whatever name the request carried
// are enough to go on.
import { WebClient } from '@slack/web-api';
import { create, OperatorSchema, type Operator } from '@switchboard/proto';
import type { Logger, Metrics } from '@switchboard/core';
import type { Redis } from '@switchboard/store';
import { countedCall } from '../external-call';
import type { StatusKeys } from '../status-keys';
import type { OperatorAccount, OperatorDirectory } from './operators';

const CACHE_SECONDS = 24 * 60 * 60;

export interface Profile {
  name: string;
  email?: string;
}

/** Asana's user lookup (the Asana client fills it in): who an Asana user is, or null when Asana does not say. */
export interface AsanaUsers {
  user(gid: string): Promise<Profile | null>;
}

export interface IdentityOptions {
  redis: Redis;
  keys: StatusKeys;
  directory: OperatorDirectory;
  logger: Logger;
  metrics: Metrics;
  slack?: { token: string; apiUrl?: string };
  /** For Asana users' names; without it, their gid is recorded. */
  asana?: AsanaUsers;
}

export function accountOperator(account: OperatorAccount, source: string): Operator {
  return create(OperatorSchema, {
    id: `console:${account.login}`,
    name: account.name,
    email: account.email ?? '',
    source,
  });
}

export class Identities {
  private readonly slack?: WebClient;

  constructor(private readonly options: IdentityOptions) {
    if (options.slack) {
      this.slack = new WebClient(options.slack.token, {
        slackApiUrl: options.slack.apiUrl,
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        timeout: 2000,
      });
    }
  }

  async slackUser(userId: string, fallbackName?: string): Promise<Operator> {
    const account = this.options.directory.bySlackUser(userId);
    const profile: Profile = account
      ? { name: account.name, email: account.email }
      : await this.cached('slack', userId, fallbackName, () => this.slackProfile(userId));
    return create(OperatorSchema, {
      id: `slack:${userId}`,
      name: profile.name,
      email: profile.email ?? '',
      source: 'slack',
    });
  }

  /** An Asana user: the operator configured with that Asana gid, else the one with their email, else as Asana says. */
  async asanaUser(gid: string | undefined): Promise<Operator> {
    if (!gid) return create(OperatorSchema, { id: 'asana', name: 'Asana', source: 'asana' });
    const { directory } = this.options;
    const byGid = directory.byAsanaUser(gid);
    const fetched: Profile | undefined = byGid
      ? undefined
      : await this.cached('asana', gid, undefined, async () =>
          this.options.asana ? this.options.asana.user(gid) : null,
        );
    const account = byGid ?? (fetched?.email ? directory.find(fetched.email) : undefined);
    const profile: Profile = account ? { name: account.name, email: account.email ?? fetched?.email } : fetched!;
    return create(OperatorSchema, {
      id: `asana:${gid}`,
      name: profile.name,
      email: profile.email ?? '',
      source: 'asana',
    });
  }

  /** A profile from Redis's cache, else fetched (and cached); the id and any known name when that fails. */
  private async cached(
    source: 'slack' | 'asana',
    id: string,
    fallbackName: string | undefined,
    fetch: () => Promise<Profile | null>,
  ): Promise<Profile> {
    const key = this.options.keys.operatorProfile(source, id);
    const hit = await this.options.redis.get(key);
    if (hit) return JSON.parse(hit) as Profile;
    try {
      const profile = await fetch();
      if (profile) {
        await this.options.redis.set(key, JSON.stringify(profile), 'EX', CACHE_SECONDS);
        return profile;
      }
    } catch (err) {
      this.options.logger.warn(
        { err: (err as Error).message, source, userId: id },
        'could not look up who acted; recording the id',
      );
    }
    return { name: fallbackName || id };
  }

  /** users.info, counted like every external call. */
  private async slackProfile(userId: string): Promise<Profile | null> {
    if (!this.slack) return null;
    const slack = this.slack;
    const res = await countedCall(this.options.metrics, 'slack', 'users.info', () =>
      slack.users.info({ user: userId }),
    );
    const u = res.user;
    return u ? { name: u.real_name || u.profile?.real_name || u.name || userId, email: u.profile?.email } : null;
  }
}
