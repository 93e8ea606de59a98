// The one place that talks to Asana, through the real `asana` v3 client (its own ApiClient instance, not
// the shared singleton). Every call first waits for its turn in the shared rate budget (`pace`). The client
// does not retry: failures become UnavailableError (429 with its Retry-After, 5xx, network) or
// PermanentError (other 4xx) for the consumer or the flusher to act on.
import * as Asana from 'asana';
import { PermanentError, UnavailableError } from '@switchboard/bus';
import type { Metrics } from '@switchboard/core';
import type { AsanaTaskRef } from '@switchboard/store';
import { conversationMarker } from './plan';

export type TaskRef = AsanaTaskRef;

export interface NewTask {
  name: string;
  notes: string;
  conversationId: string;
  tagGids: string[];
  assignee?: string;
}

export interface TaskPort {
  createTask(task: NewTask): Promise<TaskRef>;
  /** The conversation's task found in Asana itself (external id or notes marker), or null. */
  findTask(conversationId: string): Promise<TaskRef | null>;
  addComment(taskGid: string, text: string): Promise<void>;
  /** Texts of the task's comments, oldest first (to check a batch before writing it again after a crash). */
  comments(taskGid: string): Promise<string[]>;
  updateTask(taskGid: string, change: { notes?: string; completed?: boolean }): Promise<void>;
  addTag(taskGid: string, tagGid: string): Promise<void>;
  removeTag(taskGid: string, tagGid: string): Promise<void>;
  /** The workspace's tag with this name, or null. */
  findTag(name: string): Promise<string | null>;
  createTag(name: string): Promise<string>;
}

export interface AsanaOptions {
  token: string;
  baseUrl?: string;
  projectGid: string;
  workspaceGid: string;
  sectionGid?: string;
  /** external.gid (OAuth apps only) instead of the notes marker and the workspace search. */
  externalIds: boolean;
  metrics: Metrics;
  /** Waits for this replica's turn in the budget every replica shares. */
  pace: () => Promise<void>;
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

type Data<T> = { data: T };
type TaskData = { gid: string; permalink_url?: string; notes?: string };

export function asanaTasks(options: AsanaOptions): TaskPort {
  const client = new Asana.ApiClient();
  if (options.baseUrl) client.basePath = options.baseUrl.replace(/\/+$/, '');
  (client.authentications as unknown as { token: { accessToken: string } }).token.accessToken = options.token;
  (client as unknown as { RETURN_COLLECTION: boolean }).RETURN_COLLECTION = false;
  client.timeout = 15000;
  const tasks = new Asana.TasksApi(client);
  const stories = new Asana.StoriesApi(client);
  const tags = new Asana.TagsApi(client);
  const { metrics, workspaceGid, projectGid } = options;
  const fields = { opt_fields: 'gid,permalink_url' };

  async function call<T>(method: string, run: () => Promise<T>): Promise<T> {
    await options.pace();
    const stop = metrics.externalCallSeconds.startTimer({ api: 'asana', method });
    try {
      const result = await run();
      metrics.externalCallsTotal.inc({ api: 'asana', method, outcome: 'ok' });
      return result;
    } catch (err) {
      const status = (err as AsanaHttpError).status;
      metrics.externalCallsTotal.inc({ api: 'asana', method, outcome: status ? `http_${status}` : 'network_error' });
      throw asanaFailure(err, method);
    } finally {
      stop();
    }
  }
  const ref = (data: TaskData): TaskRef => ({ gid: data.gid, permalinkUrl: data.permalink_url ?? '' });

  return {
    async createTask(task) {
      const placement = options.sectionGid ? { memberships: [{ project: projectGid, section: options.sectionGid }] } : { projects: [projectGid] };
      const data = {
        name: task.name,
        notes: task.notes,
        ...placement,
        ...(task.tagGids.length > 0 ? { tags: task.tagGids } : {}),
        ...(task.assignee ? { assignee: task.assignee } : {}),
        ...(options.externalIds ? { external: { gid: task.conversationId } } : {}),
      };
      const result = (await call('tasks.create', () => tasks.createTask({ data }, fields))) as Data<TaskData>;
      return ref(result.data);
    },
    async findTask(conversationId) {
      if (options.externalIds) {
        try {
          const result = (await call('tasks.get_external', () => tasks.getTask(`external:${conversationId}`, fields))) as Data<TaskData>;
          return ref(result.data);
        } catch (err) {
          if (err instanceof PermanentError && err.reason === 'asana_http_404') return null;
          throw err;
        }
      }
      const marker = conversationMarker(conversationId);
      const result = (await call('tasks.search', () =>
        tasks.searchTasksForWorkspace(workspaceGid, { text: marker, 'projects.any': projectGid, opt_fields: 'gid,permalink_url,notes', sort_by: 'created_at', sort_ascending: true }),
      )) as Data<TaskData[]>;
      // Search matches words; only the exact marker line is this conversation's (conv-1 is not conv-10).
      const found = result.data.find((t) => (t.notes ?? '').split('\n').some((line) => line.trim() === marker));
      return found ? ref(found) : null;
    },
    async addComment(taskGid, text) {
      await call('stories.create', () => stories.createStoryForTask({ data: { text } }, taskGid, {}));
    },
    async comments(taskGid) {
      const texts: string[] = [];
      let offset: string | undefined;
      do {
        const page = (await call('stories.list', () => stories.getStoriesForTask(taskGid, { opt_fields: 'type,text', limit: 100, ...(offset ? { offset } : {}) }))) as Data<
          { type?: string; text?: string }[]
        > & { next_page?: { offset?: string } | null };
        texts.push(...page.data.filter((s) => s.type === 'comment').map((s) => s.text ?? ''));
        offset = page.next_page?.offset;
      } while (offset);
      return texts;
    },
    async updateTask(taskGid, change) {
      await call('tasks.update', () => tasks.updateTask({ data: change }, taskGid, { opt_fields: 'gid' }));
    },
    async addTag(taskGid, tagGid) {
      await call('tasks.add_tag', () => tasks.addTagForTask({ data: { tag: tagGid } }, taskGid));
    },
    async removeTag(taskGid, tagGid) {
      await call('tasks.remove_tag', () => tasks.removeTagForTask({ data: { tag: tagGid } }, taskGid));
    },
    async findTag(name) {
      let offset: string | undefined;
      do {
        const page = (await call('tags.list', () => tags.getTagsForWorkspace(workspaceGid, { limit: 100, opt_fields: 'gid,name', ...(offset ? { offset } : {}) }))) as Data<
          { gid: string; name: string }[]
        > & { next_page?: { offset?: string } | null };
        const tag = page.data.find((t) => t.name === name);
        if (tag) return tag.gid;
        offset = page.next_page?.offset;
      } while (offset);
      return null;
    },
    async createTag(name) {
      const result = (await call('tags.create', () => tags.createTagForWorkspace({ data: { name } }, workspaceGid, { opt_fields: 'gid' }))) as Data<{ gid: string }>;
      return result.data.gid;
    },
  };
}
