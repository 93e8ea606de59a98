// The Asana calls the status service makes (read a task, a user; list, create and delete the project's
// webhook), through the real `asana` client, each counted in metrics.
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

export class AsanaApi {
  private readonly tasks: Asana.TasksApi;
  private readonly webhooks: Asana.WebhooksApi;
  private readonly users: Asana.UsersApi;

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

  projectWebhooks(): Promise<{ gid: string; target: string; active: boolean }[]> {
    return this.call('webhooks.list', async () => {
      const res = (await this.webhooks.getWebhooks(this.options.workspaceGid, {
        resource: this.options.projectGid,
        opt_fields: 'target,active',
      })) as {
        data: { gid: string; target: string; active: boolean }[];
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
          filters: [{ resource_type: 'task', action: 'changed', fields: ['completed'] }],
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
