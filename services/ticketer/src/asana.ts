// The one place that talks to Asana, through the real `asana` v3 client (its own ApiClient instance, not
// the shared singleton). The client does not retry: failures become UnavailableError (429 with its
// Retry-After, 5xx, network) or PermanentError (other 4xx) for the consumer to act on.
import * as Asana from 'asana';
import { PermanentError, UnavailableError } from '@switchboard/bus';
import type { Metrics } from '@switchboard/core';
import type { AsanaTaskRef } from '@switchboard/store';

export type TaskRef = AsanaTaskRef;

export interface NewTask {
  name: string;
  notes: string;
  /** Kept on the task as `external.gid` so the task can be found again from Asana itself. */
  externalId: string;
}

export interface TaskPort {
  createTask(task: NewTask): Promise<TaskRef>;
  /** The task whose external id is this, or null. */
  findByExternalId(externalId: string): Promise<TaskRef | null>;
  addComment(taskGid: string, text: string): Promise<void>;
}

interface AsanaHttpError {
  status?: number;
  response?: { headers?: Record<string, string>; body?: { errors?: { message?: string }[] } };
  message?: string;
}

export function asanaFailure(err: unknown, method: string): Error {
  const e = err as AsanaHttpError;
  const detail = e.response?.body?.errors?.[0]?.message ?? e.message ?? String(err);
  if (e.status === 429) {
    const retryAfter = Number(e.response?.headers?.['retry-after'] ?? 1);
    return new UnavailableError(`asana ${method}: rate limited`, 'asana', (Number.isFinite(retryAfter) ? retryAfter : 1) * 1000, { cause: err });
  }
  if (e.status !== undefined && e.status >= 400 && e.status < 500 && e.status !== 408) {
    return new PermanentError(`asana ${method}: HTTP ${e.status}: ${detail}`, `asana_http_${e.status}`, { cause: err });
  }
  return new UnavailableError(`asana ${method}: ${e.status ? `HTTP ${e.status}` : detail}`, 'asana', undefined, { cause: err });
}

export function asanaTasks(options: { token: string; baseUrl?: string; projectGid: string; metrics: Metrics }): TaskPort {
  const client = new Asana.ApiClient();
  if (options.baseUrl) client.basePath = options.baseUrl.replace(/\/+$/, '');
  (client.authentications as unknown as { token: { accessToken: string } }).token.accessToken = options.token;
  client.timeout = 15000;
  const tasks = new Asana.TasksApi(client);
  const stories = new Asana.StoriesApi(client);
  const { metrics } = options;
  const fields = { opt_fields: 'gid,permalink_url' };

  async function call<T>(method: string, run: () => Promise<T>): Promise<T> {
    const stop = metrics.externalCallSeconds.startTimer({ api: 'asana', method });
    try {
      const result = await run();
      metrics.externalCallsTotal.inc({ api: 'asana', method, outcome: 'ok' });
      return result;
    } catch (err) {
      const status = (err as AsanaHttpError).status;
      metrics.externalCallsTotal.inc({ api: 'asana', method, outcome: status ? `http_${status}` : 'network_error' });
      throw err;
    } finally {
      stop();
    }
  }
  const ref = (data: { gid: string; permalink_url?: string }): TaskRef => ({ gid: data.gid, permalinkUrl: data.permalink_url ?? '' });

  return {
    async createTask(task) {
      try {
        const result = await call('tasks.create', () =>
          tasks.createTask({ data: { name: task.name, notes: task.notes, projects: [options.projectGid], external: { gid: task.externalId } } }, fields),
        );
        return ref(result.data);
      } catch (err) {
        throw asanaFailure(err, 'tasks.create');
      }
    },
    async findByExternalId(externalId) {
      try {
        const result = await call('tasks.get_external', () => tasks.getTask(`external:${externalId}`, fields));
        return ref(result.data);
      } catch (err) {
        if ((err as AsanaHttpError).status === 404) return null;
        throw asanaFailure(err, 'tasks.get_external');
      }
    },
    async addComment(taskGid, text) {
      try {
        await call('stories.create', () => stories.createStoryForTask({ data: { text } }, taskGid, {}));
      } catch (err) {
        throw asanaFailure(err, 'stories.create');
      }
    },
  };
}
