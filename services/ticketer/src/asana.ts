// The one place that talks to Asana, through the real `asana` v3 client (its own ApiClient instance, not
// the shared singleton). Every call first waits for its turn in the shared rate budget (`pace`). The client
// does not retry: failures become UnavailableError (429 with its Retry-After, 5xx, network) or
// PermanentError (other 4xx) for the consumer or the flusher to act on. Tasks are found again by listing the
// project (the workspace search is premium and lags behind new tasks), never by searching.
import * as Asana from 'asana';
import { PermanentError, UnavailableError } from '@switchboard/bus';
import type { Metrics } from '@switchboard/core';
import type { AsanaTaskRef } from '@switchboard/store';
import { markedConversation } from './plan';

export interface NewTask {
  name: string;
  notes: string;
  conversationId: string;
  tagGids: string[];
  assignee?: string;
}

/** A task of the project that carries a conversation's marker line, as the listing shows it. */
export interface MarkedTask {
  conversationId: string;
  task: AsanaTaskRef;
  notes: string;
  completed: boolean;
  tagNames: string[];
  createdAtMs: number;
}

export interface TaskPort {
  createTask(task: NewTask): Promise<AsanaTaskRef>;
  /**
   * The conversation's task found in Asana itself, or null: by external id (OAuth apps), else the oldest task
   * of the project modified since `sinceMs` whose notes carry the conversation's exact marker line.
   */
  findTask(conversationId: string, sinceMs: number): Promise<AsanaTaskRef | null>;
  /** Every marked task of the project modified since `sinceMs`, oldest first (to rebuild lost Redis records). */
  markedTasks(sinceMs: number): Promise<MarkedTask[]>;
  addComment(taskGid: string, text: string): Promise<void>;
  /** Texts of the task's comments, oldest first (to check a batch before writing it again after a crash). */
  comments(taskGid: string): Promise<string[]>;
  /** `assignee`: a user's gid or email (Asana takes either; an unknown one is a 400). `due_at`: an ISO time, or null to clear it. */
  updateTask(
    taskGid: string,
    change: { notes?: string; completed?: boolean; assignee?: string; due_at?: string | null },
  ): Promise<void>;
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
  /** external.gid (OAuth apps only) instead of the notes marker and the project listing. */
  externalIds: boolean;
  metrics: Metrics;
  /** Waits for this replica's turn in the budget every replica shares. */
  pace: () => Promise<void>;
  /** Told once when the configured section turns out to be deleted: new tasks go to the project instead. */
  onSectionGone?: (sectionGid: string) => void;
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
    return new UnavailableError(
      `asana ${method}: rate limited`,
      'asana',
      (Number.isFinite(retryAfter) ? retryAfter : 1) * 1000,
      { cause: err },
    );
  }
  if (e.status !== undefined && e.status >= 400 && e.status < 500 && e.status !== 408) {
    return new PermanentError(`asana ${method}: HTTP ${e.status}: ${detail}`, `asana_http_${e.status}`, { cause: err });
  }
  return new UnavailableError(`asana ${method}: ${e.status ? `HTTP ${e.status}` : detail}`, 'asana', undefined, {
    cause: err,
  });
}

type Data<T> = { data: T };
type TaskData = { gid: string; permalink_url?: string; notes?: string };
type ListedTask = TaskData & { completed?: boolean; created_at?: string; tags?: { name?: string }[] };
type Page<T> = Data<T[]> & { next_page?: { offset?: string } | null };

export function asanaTasks(options: AsanaOptions): TaskPort {
  const client = new Asana.ApiClient();
  if (options.baseUrl) client.basePath = options.baseUrl.replace(/\/+$/, '');
  (client.authentications as unknown as { token: { accessToken: string } }).token.accessToken = options.token;
  (client as unknown as { RETURN_COLLECTION: boolean }).RETURN_COLLECTION = false;
  client.timeout = 15000;
  const tasks = new Asana.TasksApi(client);
  const stories = new Asana.StoriesApi(client);
  const tags = new Asana.TagsApi(client);
  const sections = new Asana.SectionsApi(client);
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
  const ref = (data: TaskData): AsanaTaskRef => ({ gid: data.gid, permalinkUrl: data.permalink_url ?? '' });

  async function markedTasks(sinceMs: number): Promise<MarkedTask[]> {
    const found: MarkedTask[] = [];
    const query = {
      project: projectGid,
      modified_since: new Date(sinceMs).toISOString(),
      limit: 100,
      opt_fields: 'gid,permalink_url,notes,completed,created_at,tags.name',
    };
    let offset: string | undefined;
    do {
      const page = (await call('tasks.list', () =>
        tasks.getTasks({ ...query, ...(offset ? { offset } : {}) }),
      )) as Page<ListedTask>;
      for (const t of page.data) {
        const conversationId = markedConversation(t.notes ?? '');
        if (conversationId === undefined) continue;
        const createdAtMs = Date.parse(t.created_at ?? '');
        found.push({
          conversationId,
          task: ref(t),
          notes: t.notes ?? '',
          completed: t.completed === true,
          tagNames: (t.tags ?? []).map((tag) => tag.name ?? ''),
          createdAtMs: Number.isNaN(createdAtMs) ? 0 : createdAtMs,
        });
      }
      offset = page.next_page?.offset;
    } while (offset);
    // A conversation with two tasks (made before this code existed): the first one made is its task.
    return found.sort((a, b) => a.createdAtMs - b.createdAtMs || a.task.gid.localeCompare(b.task.gid));
  }

  let sectionGone = false;
  async function sectionExists(sectionGid: string): Promise<boolean> {
    try {
      await call('sections.get', () => sections.getSection(sectionGid, { opt_fields: 'gid' }));
      return true;
    } catch (err) {
      if (err instanceof PermanentError && err.reason === 'asana_http_404') return false;
      throw err;
    }
  }

  async function create(task: NewTask, inSection: boolean): Promise<AsanaTaskRef> {
    const placement =
      inSection && options.sectionGid
        ? { memberships: [{ project: projectGid, section: options.sectionGid }] }
        : { projects: [projectGid] };
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
  }

  return {
    async createTask(task) {
      try {
        return await create(task, !sectionGone);
      } catch (err) {
        // A refused create may mean the configured section was deleted: check it, and if so use the project.
        if (
          !(err instanceof PermanentError) ||
          !options.sectionGid ||
          sectionGone ||
          (await sectionExists(options.sectionGid))
        )
          throw err;
        sectionGone = true;
        options.onSectionGone?.(options.sectionGid);
        return create(task, false);
      }
    },
    async findTask(conversationId, sinceMs) {
      if (options.externalIds) {
        try {
          const result = (await call('tasks.get_external', () =>
            tasks.getTask(`external:${conversationId}`, fields),
          )) as Data<TaskData>;
          return ref(result.data);
        } catch (err) {
          if (err instanceof PermanentError && err.reason === 'asana_http_404') return null;
          throw err;
        }
      }
      return (await markedTasks(sinceMs)).find((t) => t.conversationId === conversationId)?.task ?? null;
    },
    markedTasks,
    async addComment(taskGid, text) {
      await call('stories.create', () => stories.createStoryForTask({ data: { text } }, taskGid, {}));
    },
    async comments(taskGid) {
      const texts: string[] = [];
      let offset: string | undefined;
      do {
        const page = (await call('stories.list', () =>
          stories.getStoriesForTask(taskGid, { opt_fields: 'type,text', limit: 100, ...(offset ? { offset } : {}) }),
        )) as Data<{ type?: string; text?: string }[]> & { next_page?: { offset?: string } | null };
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
        const page = (await call('tags.list', () =>
          tags.getTagsForWorkspace(workspaceGid, { limit: 100, opt_fields: 'gid,name', ...(offset ? { offset } : {}) }),
        )) as Data<{ gid: string; name: string }[]> & { next_page?: { offset?: string } | null };
        const tag = page.data.find((t) => t.name === name);
        if (tag) return tag.gid;
        offset = page.next_page?.offset;
      } while (offset);
      return null;
    },
    async createTag(name) {
      const result = (await call('tags.create', () =>
        tags.createTagForWorkspace({ data: { name } }, workspaceGid, { opt_fields: 'gid' }),
      )) as Data<{ gid: string }>;
      return result.data.gid;
    },
  };
}
