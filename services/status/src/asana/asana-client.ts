// The Asana calls the status service makes (read a task, its assignee, a story, a user, who we are; list,
// create and delete the project's webhook), through the real `asana` client, each counted in metrics.
import * as Asana from 'asana';
import type { Metrics } from '@switchboard/core';
import { countedCall } from '../external-call';

export interface AsanaApiOptions {
  token: string;
  baseUrl: string;
  workspaceGid: string;
  projectGid: string;
}

export interface TaskState {
  completed: boolean;
  notes: string;
}

/** A story (a comment, or a change Asana recorded) as the back-sync reads it. */
export interface StoryState {
  gid: string;
  /** 'comment' or 'system'. */
  type: string;
  subtype: string;
  text: string;
  authorGid?: string;
  taskGid?: string;
}

export interface WebhookFilter {
  resource_type: string;
  resource_subtype?: string;
  action: string;
  fields?: string[];
}

/** What the webhook asks Asana for: completion and assignee changes of the project's tasks, and comments. */
export const WEBHOOK_FILTERS: WebhookFilter[] = [
  { resource_type: 'task', action: 'changed', fields: ['completed', 'assignee'] },
  { resource_type: 'story', resource_subtype: 'comment_added', action: 'added' },
];

export class AsanaApi {
  private readonly tasks: Asana.TasksApi;
  private readonly webhooks: Asana.WebhooksApi;
  private readonly users: Asana.UsersApi;
  private readonly stories: Asana.StoriesApi;
  private me?: Promise<string>;

  constructor(
    readonly options: AsanaApiOptions,
    private readonly metrics: Metrics,
  ) {
    const client = new Asana.ApiClient();
    client.basePath = options.baseUrl.replace(/\/+$/, '');
    (client.authentications as unknown as { token: { accessToken: string } }).token.accessToken = options.token;
    (client as unknown as { RETURN_COLLECTION: boolean }).RETURN_COLLECTION = false;
    client.timeout = 10000;
    this.tasks = new Asana.TasksApi(client);
    this.webhooks = new Asana.WebhooksApi(client);
    this.users = new Asana.UsersApi(client);
    this.stories = new Asana.StoriesApi(client);
  }

  /** Our token's own user: what we write in Asana comes back from them (asked once, then kept). */
  ownUserGid(): Promise<string> {
    this.me ??= this.call('users.me', async () => {
      const res = (await this.users.getUser('me', { opt_fields: 'gid' })) as { data?: { gid?: string } };
      if (!res.data?.gid) throw new Error('Asana did not say who our token is');
      return res.data.gid;
    }).catch((err: unknown) => {
      this.me = undefined;
      throw err;
    });
    return this.me;
  }

  /** True when this user is our token's own: a change by them is ours coming back. */
  async isOwnUser(gid: string | undefined): Promise<boolean> {
    return gid !== undefined && gid === (await this.ownUserGid());
  }

  story(gid: string): Promise<StoryState> {
    return this.call('stories.get', async () => {
      const res = (await this.stories.getStory(gid, {
        opt_fields: 'type,resource_subtype,text,created_by,target',
      })) as {
        data: {
          type?: string;
          resource_subtype?: string;
          text?: string;
          created_by?: { gid?: string } | null;
          target?: { gid?: string } | null;
        };
      };
      const d = res.data;
      return {
        gid,
        type: d.type ?? '',
        subtype: d.resource_subtype ?? '',
        text: d.text ?? '',
        authorGid: d.created_by?.gid || undefined,
        taskGid: d.target?.gid || undefined,
      };
    });
  }

  /** A task's assignee (gid) and notes; the assignee is undefined when the task has none. */
  taskAssignee(gid: string): Promise<{ assigneeGid?: string; notes: string }> {
    return this.call('tasks.get', async () => {
      const res = (await this.tasks.getTask(gid, { opt_fields: 'assignee,notes' })) as {
        data: { assignee?: { gid?: string } | null; notes?: string };
      };
      return { assigneeGid: res.data.assignee?.gid || undefined, notes: res.data.notes ?? '' };
    });
  }

  /** Who an Asana user is, for the records; null when Asana does not say. */
  user(gid: string): Promise<{ name: string; email?: string } | null> {
    return this.call('users.get', async () => {
      const res = (await this.users.getUser(gid, { opt_fields: 'name,email' })) as {
        data?: { name?: string; email?: string };
      };
      return res.data?.name ? { name: res.data.name, email: res.data.email } : null;
    });
  }

  task(gid: string): Promise<TaskState> {
    return this.call('tasks.get', async () => {
      const res = (await this.tasks.getTask(gid, { opt_fields: 'completed,notes' })) as {
        data: { completed?: boolean; notes?: string };
      };
      return { completed: res.data.completed === true, notes: res.data.notes ?? '' };
    });
  }

  projectWebhooks(): Promise<{ gid: string; target: string; active: boolean; filters?: unknown }[]> {
    return this.call('webhooks.list', async () => {
      const res = (await this.webhooks.getWebhooks(this.options.workspaceGid, {
        resource: this.options.projectGid,
        opt_fields: 'target,active,filters.resource_type,filters.resource_subtype,filters.action,filters.fields',
      })) as {
        data: { gid: string; target: string; active: boolean; filters?: unknown }[];
      };
      return res.data;
    });
  }

  createWebhook(target: string): Promise<string> {
    return this.call('webhooks.create', async () => {
      const body = {
        data: {
          resource: this.options.projectGid,
          target,
          filters: WEBHOOK_FILTERS,
        },
      };
      const res = (await this.webhooks.createWebhook(body, {})) as { data: { gid: string } };
      return res.data.gid;
    });
  }

  deleteWebhook(gid: string): Promise<void> {
    return this.call('webhooks.delete', async () => {
      await this.webhooks.deleteWebhook(gid);
    });
  }

  private call<T>(method: string, run: () => Promise<T>): Promise<T> {
    return countedCall(this.metrics, 'asana', method, run);
  }
}
