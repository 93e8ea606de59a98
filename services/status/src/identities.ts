// Who acted, for the records: a Slack user or an Asana user becomes an Operator with a name and email.
// The configured operators are asked first, then Slack's users.info / Asana's users API (cached in Redis
// for a day); if those fail, the id and whatever name the request carried are enough to go on.
import * as Asana from 'asana';
import { WebClient } from '@slack/web-api';
import { create, OperatorSchema, type Operator } from '@switchboard/proto';
import type { Logger, Metrics } from '@switchboard/core';
import type { Keys, Redis } from '@switchboard/store';
import type { OperatorAccount, OperatorDirectory } from './operators';

const CACHE_SECONDS = 24 * 60 * 60;

interface Profile {
  name: string;
  email?: string;
}

export interface IdentityOptions {
  redis: Redis;
  keys: Keys;
  directory: OperatorDirectory;
  logger: Logger;
  metrics: Metrics;
  slack?: { token: string; apiUrl?: string };
  asana?: { token: string; baseUrl: string };
}

export function accountOperator(account: OperatorAccount, source: string): Operator {
  return create(OperatorSchema, { id: `console:${account.login}`, name: account.name, email: account.email ?? '', source });
}

export class Identities {
  private readonly slack?: WebClient;
  private readonly asanaUsers?: Asana.UsersApi;

  constructor(private readonly options: IdentityOptions) {
    if (options.slack) {
      this.slack = new WebClient(options.slack.token, { slackApiUrl: options.slack.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 2000 });
    }
    if (options.asana) {
      const client = new Asana.ApiClient();
      client.basePath = options.asana.baseUrl.replace(/\/+$/, '');
      (client.authentications as unknown as { token: { accessToken: string } }).token.accessToken = options.asana.token;
      client.timeout = 5000;
      this.asanaUsers = new Asana.UsersApi(client);
    }
  }

  async slackUser(userId: string, fallbackName?: string): Promise<Operator> {
    const account = this.options.directory.bySlackUser(userId);
    const profile: Profile = account
      ? { name: account.name, email: account.email }
      : await this.cached('slack', userId, fallbackName, async () => {
          if (!this.slack) return null;
          const res = await this.slack.users.info({ user: userId });
          const u = res.user;
          return u ? { name: u.real_name || u.profile?.real_name || u.name || userId, email: u.profile?.email } : null;
        });
    return create(OperatorSchema, { id: `slack:${userId}`, name: profile.name, email: profile.email ?? '', source: 'slack' });
  }

  async asanaUser(gid: string | undefined): Promise<Operator> {
    if (!gid) return create(OperatorSchema, { id: 'asana', name: 'Asana', source: 'asana' });
    const account = this.options.directory.byAsanaUser(gid);
    const profile: Profile = account
      ? { name: account.name, email: account.email }
      : await this.cached('asana', gid, undefined, async () => {
          if (!this.asanaUsers) return null;
          const res = (await this.asanaUsers.getUser(gid, { opt_fields: 'name,email' })) as { data?: { name?: string; email?: string } };
          return res.data?.name ? { name: res.data.name, email: res.data.email } : null;
        });
    return create(OperatorSchema, { id: `asana:${gid}`, name: profile.name, email: profile.email ?? '', source: 'asana' });
  }

  private async cached(source: 'slack' | 'asana', id: string, fallbackName: string | undefined, fetch: () => Promise<Profile | null>): Promise<Profile> {
    const key = this.options.keys.operatorProfile(source, id);
    const hit = await this.options.redis.get(key);
    if (hit) return JSON.parse(hit) as Profile;
    const stop = this.options.metrics.externalCallSeconds.startTimer({ api: source, method: 'users.info' });
    try {
      const profile = await fetch();
      this.options.metrics.externalCallsTotal.inc({ api: source, method: 'users.info', outcome: profile ? 'ok' : 'skipped' });
      if (profile) {
        await this.options.redis.set(key, JSON.stringify(profile), 'EX', CACHE_SECONDS);
        return profile;
      }
    } catch (err) {
      this.options.metrics.externalCallsTotal.inc({ api: source, method: 'users.info', outcome: 'error' });
      this.options.logger.warn({ err: (err as Error).message, source, userId: id }, 'could not look up who acted; recording the id');
    } finally {
      stop();
    }
    return { name: fallbackName || id };
  }
}
