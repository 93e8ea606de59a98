// The Asana stand-in, driven over HTTP by the real `asana` v3 client (no mocks of the client).
//
// What the client turned out to be (asana 3.2.0, read in node_modules/asana/src):
// - `Asana.ApiClient.instance` is a shared singleton, but `new Asana.ApiClient()` makes an independent one
//   (own basePath, own authentications.token.accessToken), and every API class takes it:
//   `new Asana.TasksApi(apiClient)`. So several clients with different tokens coexist; nothing here touches
//   the singleton. basePath must have no trailing slash ('http://host:port/asana/api/1.0').
// - Bodies go out as JSON `{data: {...}}`; opts are sent as the query string as given, so `opt_fields` may be
//   a comma-separated string or an array (superagent repeats the key).
// - Methods resolve to the parsed body (`{data}`); list methods (RETURN_COLLECTION is true by default) resolve
//   to a Collection whose `.data` is the array, `._response` the whole body, and `nextPage()` follows
//   `next_page.offset`. Path parameters are URI-encoded, so 'external:conv-1' arrives as 'external%3Aconv-1'.
// - Errors are superagent's: `error.status` is the HTTP status, `error.response.body` Asana's
//   `{errors: [{message}]}`, `error.response.headers['retry-after']` on 429. The client never retries.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { startSandbox, type RunningSandbox } from '../../src';
import { type AsanaClient, asanaClient } from '../clients';
import { eventually } from '../support';

const PROJECT = '1200000000000001';
const WORKSPACE = '1100000000000001';

interface AsanaFailure {
  status: number;
  response: { body: { errors: { message: string }[] }; headers: Record<string, string> };
}

const failure = (promise: Promise<unknown>): Promise<AsanaFailure> =>
  promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: AsanaFailure) => error,
  );

/** A webhook receiver: answers the handshake, records deliveries with their raw bodies. */
class Receiver {
  secret?: string;
  deliveries: { body: string; signature: string }[] = [];
  /** Status to answer the next deliveries with, consumed one per delivery. */
  failNext: number[] = [];
  echoSecret = true;
  private server: Server = createServer((request, response) => void this.handle(request, response));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/asana/webhook`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const hookSecret = request.headers['x-hook-secret'];
    if (typeof hookSecret === 'string') {
      this.secret = hookSecret;
      response.writeHead(200, this.echoSecret ? { 'x-hook-secret': hookSecret } : {}).end();
      return;
    }
    this.deliveries.push({
      body: Buffer.concat(chunks).toString(),
      signature: String(request.headers['x-hook-signature']),
    });
    response.writeHead(this.failNext.shift() ?? 200).end();
  }
}

describe('Asana stand-in', () => {
  let sandbox: RunningSandbox;
  let asana: AsanaClient;

  beforeAll(async () => {
    sandbox = await startSandbox({
      port: 0,
      asana: { invalidTokens: ['revoked-pat'], webhookRetryDelaysMs: [30, 30] },
    });
    asana = asanaClient(sandbox, 'test-pat');
  });
  afterAll(() => sandbox.close());
  beforeEach(() => fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' }));

  const createTask = (data: Record<string, unknown>) =>
    asana.tasks.createTask({ data: { projects: [PROJECT], ...data } }, {});

  it('starts with a workspace, a project and a "me" user', async () => {
    const workspaces = await asana.workspaces.getWorkspaces({});
    expect(workspaces.data).toEqual([{ gid: WORKSPACE, name: expect.any(String), resource_type: 'workspace' }]);
    const project = await asana.projects.getProject(PROJECT, {});
    expect(project.data).toMatchObject({ gid: PROJECT, resource_type: 'project', workspace: { gid: WORKSPACE } });
    const me = await asana.users.getUser('me', {});
    expect(me.data).toMatchObject({
      gid: expect.stringMatching(/^\d+$/),
      resource_type: 'user',
      email: expect.any(String),
    });
  });

  it('creates a task with an external gid and finds it again by external:<id>', async () => {
    const created = await createTask({
      name: 'Ann (Acme): hi',
      notes: 'first message',
      external: { gid: 'conv-1', data: '{"v":1}' },
    });
    expect(created.data).toMatchObject({
      gid: expect.stringMatching(/^\d+$/),
      resource_type: 'task',
      name: 'Ann (Acme): hi',
      completed: false,
      external: { gid: 'conv-1', data: '{"v":1}' },
      html_notes: '<body>first message</body>',
      projects: [{ gid: PROJECT, resource_type: 'project', name: expect.any(String) }],
      memberships: [{ project: { gid: PROJECT }, section: { gid: expect.any(String) } }],
      workspace: { gid: WORKSPACE },
    });
    const found = await asana.tasks.getTask('external:conv-1', {});
    expect(found.data.gid).toBe(created.data.gid);

    const selected = await asana.tasks.getTask('external:conv-1', {
      opt_fields: 'name,completed,external.gid,projects.name',
    });
    expect(selected.data).toEqual({
      gid: created.data.gid,
      name: 'Ann (Acme): hi',
      completed: false,
      external: { gid: 'conv-1' },
      projects: [{ gid: PROJECT, name: 'Conversations' }],
    });

    const missing = await failure(asana.tasks.getTask('external:conv-404', {}));
    expect(missing.status).toBe(404);
    expect(missing.response.body.errors[0].message).toContain('conv-404');

    const listed = await (await fetch(`${sandbox.url}/_sandbox/asana/tasks`)).json();
    expect(listed).toEqual([
      expect.objectContaining({ name: 'Ann (Acme): hi', external: { gid: 'conv-1', data: '{"v":1}' } }),
    ]);
  });

  it('comments on a task and lists its stories, system stories included', async () => {
    const task = (await createTask({ name: 'talk' })).data;
    const comment = await asana.stories.createStoryForTask({ data: { text: 'are you there?' } }, task.gid, {});
    expect(comment.data).toMatchObject({
      resource_type: 'story',
      type: 'comment',
      resource_subtype: 'comment_added',
      text: 'are you there?',
    });
    await asana.stories.createStoryForTask(
      { data: { html_text: '<body><strong>Operator</strong> took over</body>' } },
      task.gid,
      {},
    );

    const stories = await asana.stories.getStoriesForTask(task.gid, {});
    const comments = stories.data
      .filter((s: { type: string }) => s.type === 'comment')
      .map((s: { text: string }) => s.text);
    expect(comments).toEqual(['are you there?', 'Operator took over']);
    expect(stories.data.some((s: { resource_subtype: string }) => s.resource_subtype === 'added_to_project')).toBe(
      true,
    );

    const broken = await failure(
      asana.stories.createStoryForTask({ data: { html_text: '<body><b>unclosed</body>' } }, task.gid, {}),
    );
    expect(broken.status).toBe(400);
    expect(
      (await failure(asana.stories.createStoryForTask({ data: { text: 'lost' } }, 'external:nobody', {}))).status,
    ).toBe(404);
  });

  it('tags and untags a task', async () => {
    const task = (await createTask({ name: 'tagged' })).data;
    const tag = (await asana.tags.createTag({ data: { name: 'spam', workspace: WORKSPACE } }, {})).data;
    expect(tag).toMatchObject({ gid: expect.any(String), name: 'spam', resource_type: 'tag' });
    expect((await asana.tags.getTags({ workspace: WORKSPACE })).data).toEqual([
      { gid: tag.gid, name: 'spam', resource_type: 'tag' },
    ]);

    await asana.tasks.addTagForTask({ data: { tag: tag.gid } }, task.gid);
    expect((await asana.tasks.getTask(task.gid, {})).data.tags).toEqual([
      { gid: tag.gid, name: 'spam', resource_type: 'tag' },
    ]);
    await asana.tasks.removeTagForTask({ data: { tag: tag.gid } }, task.gid);
    expect((await asana.tasks.getTask(task.gid, {})).data.tags).toEqual([]);
    expect((await failure(asana.tasks.addTagForTask({ data: { tag: '999' } }, task.gid))).status).toBe(400);
  });

  it('completes and reopens a task', async () => {
    const task = (await createTask({ name: 'to close', external: { gid: 'conv-close' } })).data;
    const done = await asana.tasks.updateTask({ data: { completed: true } }, 'external:conv-close', {});
    expect(done.data).toMatchObject({ gid: task.gid, completed: true, completed_at: expect.any(String) });
    const reopened = await asana.tasks.updateTask({ data: { completed: false } }, task.gid, {});
    expect(reopened.data).toMatchObject({ completed: false, completed_at: null });
    const subtypes = (await asana.stories.getStoriesForTask(task.gid, {})).data.map(
      (s: { resource_subtype: string }) => s.resource_subtype,
    );
    expect(subtypes).toEqual(expect.arrayContaining(['marked_complete', 'marked_incomplete']));
    expect((await failure(asana.tasks.updateTask({ data: { projects: ['1'] } }, task.gid, {}))).status).toBe(400);
  });

  it("assigns a task by a member's email (the sandbox's Slack operators are members) and refuses an unknown one", async () => {
    const task = (await createTask({ name: 'to assign' })).data;
    const assigned = await asana.tasks.updateTask({ data: { assignee: 'olivia@example.test' } }, task.gid, {});
    expect(assigned.data.assignee).toMatchObject({ resource_type: 'user', name: 'Olivia Operator' });
    const olivia = await asana.users.getUser('olivia@example.test', {});
    expect(olivia.data).toMatchObject({ gid: assigned.data.assignee.gid, email: 'olivia@example.test' });
    const unknown = await failure(
      asana.tasks.updateTask({ data: { assignee: 'nobody@nowhere.example' } }, task.gid, {}),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.response.body.errors[0].message).toContain('Not a recognized ID');
    const stories = (await asana.stories.getStoriesForTask(task.gid, {})).data.map(
      (s: { resource_subtype: string }) => s.resource_subtype,
    );
    expect(stories).toContain('assigned');
  });

  it('pages through a project with next_page and searches a workspace', async () => {
    for (const name of ['alpha refund', 'beta', 'gamma refund']) await createTask({ name });
    const first = await asana.tasks.getTasksForProject(PROJECT, { limit: 2, opt_fields: 'name' });
    expect(first.data.map((t: { name: string }) => t.name)).toEqual(['alpha refund', 'beta']);
    expect(first._response.next_page).toMatchObject({
      offset: expect.any(String),
      path: expect.stringContaining(`/projects/${PROJECT}/tasks?`),
    });
    const second = await first.nextPage();
    expect(second.data.map((t: { name: string }) => t.name)).toEqual(['gamma refund']);
    expect(second._response.next_page).toBeNull();

    const all = await asana.tasks.getTasks({ project: PROJECT });
    expect(all.data).toHaveLength(3);
    expect(all.data[0]).toEqual({
      gid: expect.any(String),
      name: 'alpha refund',
      resource_type: 'task',
      resource_subtype: 'default_task',
    });

    const found = await asana.tasks.searchTasksForWorkspace(WORKSPACE, {
      text: 'REFUND',
      completed: false,
      'projects.any': PROJECT,
      sort_by: 'created_at',
      sort_ascending: true,
    });
    expect(found.data.map((t: { name: string }) => t.name)).toEqual(['alpha refund', 'gamma refund']);
  });

  const configure = (asanaSettings: Record<string, unknown>) =>
    fetch(`${sandbox.url}/_sandbox/config`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ asana: asanaSettings }),
    });

  it("lists a project's tasks modified since a time, page by page, through GET /tasks", async () => {
    await createTask({ name: 'old' });
    const since = new Date(Date.now() + 5).toISOString();
    await new Promise((r) => setTimeout(r, 10));
    for (const name of ['new 1', 'new 2', 'new 3']) await createTask({ name, notes: `about ${name}` });
    const first = await asana.tasks.getTasks({
      project: PROJECT,
      modified_since: since,
      limit: 2,
      opt_fields: 'name,notes,created_at',
    });
    expect(first.data.map((t: { name: string }) => t.name)).toEqual(['new 1', 'new 2']);
    expect(first.data[0]).toEqual({
      gid: expect.any(String),
      name: 'new 1',
      notes: 'about new 1',
      created_at: expect.any(String),
    });
    const second = await first.nextPage();
    expect(second.data.map((t: { name: string }) => t.name)).toEqual(['new 3']);
    expect(second._response.next_page).toBeNull();
    expect((await failure(asana.tasks.getTasks({ project: PROJECT, modified_since: 'yesterday' }))).status).toBe(400);
  });

  it('answers the search with 402 on a free plan, and its index lags behind new tasks', async () => {
    try {
      await createTask({ name: 'refund please' });
      await configure({ searchAvailable: false });
      const refused = await failure(asana.tasks.searchTasksForWorkspace(WORKSPACE, { text: 'refund' }));
      expect(refused.status).toBe(402);
      expect(refused.response.body.errors[0].message).toMatch(/premium/i);

      await configure({ searchAvailable: true, searchLagSeconds: 3600 });
      expect((await asana.tasks.searchTasksForWorkspace(WORKSPACE, { text: 'refund' })).data).toEqual([]);
      // The project listing is not the search index: the new task is there at once.
      expect((await asana.tasks.getTasks({ project: PROJECT })).data.map((t: { name: string }) => t.name)).toEqual([
        'refund please',
      ]);
      await configure({ searchLagSeconds: 0 });
      expect((await asana.tasks.searchTasksForWorkspace(WORKSPACE, { text: 'refund' })).data).toHaveLength(1);
    } finally {
      await configure({ searchAvailable: true, searchLagSeconds: 0 });
    }
  });

  it('makes the task before a held create answer, as a create that times out on the client', async () => {
    try {
      await configure({ createAnswerDelayMs: 3000 });
      let answered = false;
      const pending = createTask({ name: 'held' }).then(
        (created: { data: { gid: string } }) => ((answered = true), created),
      );
      const held = await eventually(
        () => [...sandbox.state.asana.tasks.values()].find((t) => t.name === 'held'),
        (t) => t !== undefined,
      );
      expect(answered).toBe(false);
      expect((await pending).data.gid).toBe(held!.gid);
    } finally {
      await configure({ createAnswerDelayMs: 0 });
    }
  });

  it('deletes a tag: gone from the workspace and from every task, and unknown afterwards', async () => {
    const tag = await asana.tags.createTagForWorkspace({ data: { name: 'priority: urgent' } }, WORKSPACE, {});
    const task = await createTask({ name: 'tagged', tags: [tag.data.gid] });
    await asana.tags.deleteTag(tag.data.gid);
    expect((await asana.tasks.getTask(task.data.gid, { opt_fields: 'tags' })).data.tags).toEqual([]);
    expect((await asana.tags.getTagsForWorkspace(WORKSPACE, {})).data).toEqual([]);
    expect((await failure(asana.tags.deleteTag(tag.data.gid))).status).toBe(404);
    expect((await failure(createTask({ name: 'stale', tags: [tag.data.gid] }))).status).toBe(400);
    expect((await failure(asana.tasks.addTagForTask({ data: { tag: tag.data.gid } }, task.data.gid))).status).toBe(400);
  });

  it('deletes an empty section, never a full one nor the last, and refuses tasks placed in a deleted one', async () => {
    const section = await asana.sections.createSectionForProject(PROJECT, { body: { data: { name: 'Inbox' } } });
    const full = await asana.sections.createSectionForProject(PROJECT, { body: { data: { name: 'Full' } } });
    await createTask({
      name: 'placed',
      projects: undefined,
      memberships: [{ project: PROJECT, section: full.data.gid }],
    });
    expect((await failure(asana.sections.deleteSection(full.data.gid))).status).toBe(400);
    await asana.sections.deleteSection(section.data.gid);
    expect((await failure(asana.sections.getSection(section.data.gid, {}))).status).toBe(404);
    expect(
      (
        await failure(
          createTask({
            name: 'nowhere',
            projects: undefined,
            memberships: [{ project: PROJECT, section: section.data.gid }],
          }),
        )
      ).status,
    ).toBe(400);
  });

  it('refuses requests without a valid token with 401', async () => {
    const anonymous = await failure(asanaClient(sandbox).tasks.getTask('1', {}));
    expect(anonymous.status).toBe(401);
    expect(anonymous.response.body).toMatchObject({ errors: [{ message: 'Not Authorized' }] });
    // A second client with another token lives beside the first one.
    expect((await failure(asanaClient(sandbox, 'revoked-pat').tasks.getTask('1', {}))).status).toBe(401);
    expect((await failure(asana.tasks.getTask('1', {}))).status).toBe(404);
    expect((await failure(asana.tasks.createTask({ data: { name: 'nowhere' } }, {}))).status).toBe(400);
  });

  it('rate limits per token with 429 and Retry-After', async () => {
    const config = (requestsPerMinute: number | null) =>
      fetch(`${sandbox.url}/_sandbox/config`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ asana: { requestsPerMinute } }),
      });
    await config(3);
    try {
      for (let i = 0; i < 3; i++) await asana.users.getUser('me', {});
      const limited = await failure(asana.users.getUser('me', {}));
      expect(limited.status).toBe(429);
      expect(Number(limited.response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(limited.response.body.errors[0].message).toMatch(/too many requests/);
      await expect(asanaClient(sandbox, 'another-pat').users.getUser('me', {})).resolves.toBeDefined();
      expect(
        ((await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as { asana: { ratelimited: number } }).asana
          .ratelimited,
      ).toBe(1);
    } finally {
      await config(null);
    }
  });

  describe('webhooks', () => {
    let receiver: Receiver;
    let target: string;

    beforeEach(async () => {
      receiver = new Receiver();
      target = await receiver.start();
    });
    afterEach(() => receiver.stop());

    const verified = () =>
      receiver.deliveries.map((d) => {
        expect(d.signature).toBe(createHmac('sha256', receiver.secret!).update(d.body).digest('hex'));
        return JSON.parse(d.body).events as {
          action: string;
          resource: { gid: string; resource_type: string };
          change?: { field: string };
        }[];
      });

    it('shakes hands with the target, then delivers signed events when a task changes', async () => {
      const created = await asana.webhooks.createWebhook(
        {
          data: {
            resource: PROJECT,
            target,
            filters: [{ resource_type: 'task', action: 'changed', fields: ['completed'] }],
          },
        },
        {},
      );
      expect(created.data).toMatchObject({
        gid: expect.any(String),
        resource_type: 'webhook',
        active: true,
        resource: { gid: PROJECT },
        target,
      });
      expect(receiver.secret).toMatch(/^[0-9a-f]{64}$/);
      expect((await asana.webhooks.getWebhooks(WORKSPACE, {})).data).toHaveLength(1);

      const task = (await createTask({ name: 'watched' })).data;
      await asana.stories.createStoryForTask({ data: { text: 'not a completion' } }, task.gid, {});
      await asana.tasks.updateTask({ data: { completed: true } }, task.gid, {});

      await eventually(
        () => receiver.deliveries.length,
        (n) => n >= 1,
      );
      const [events] = verified();
      expect(events).toEqual([
        {
          action: 'changed',
          resource: { gid: task.gid, resource_type: 'task', resource_subtype: 'default_task' },
          parent: null,
          change: { field: 'completed', action: 'changed' },
          user: { gid: expect.any(String), resource_type: 'user' },
          created_at: expect.any(String),
        },
      ]);

      await asana.webhooks.deleteWebhook(created.data.gid);
      await asana.tasks.updateTask({ data: { completed: false } }, task.gid, {});
      await new Promise((r) => setTimeout(r, 100));
      expect(receiver.deliveries).toHaveLength(1);
    });

    it('delivers task additions and comments to an unfiltered webhook, retrying a failed delivery', async () => {
      await asana.webhooks.createWebhook({ data: { resource: PROJECT, target } }, {});
      receiver.failNext = [500];
      const task = (await createTask({ name: 'retried' })).data;
      await eventually(
        () => receiver.deliveries.length,
        (n) => n >= 2,
      );
      const [failed, retried] = verified();
      expect(retried).toEqual(failed);
      expect(retried[0]).toMatchObject({
        action: 'added',
        resource: { gid: task.gid },
        parent: { gid: PROJECT, resource_type: 'project' },
      });

      await asana.stories.createStoryForTask({ data: { text: 'hello' } }, task.gid, {});
      await eventually(
        () => receiver.deliveries.length,
        (n) => n >= 3,
      );
      expect(verified()[2][0]).toMatchObject({
        action: 'added',
        resource: { resource_type: 'story' },
        parent: { gid: task.gid, resource_type: 'task' },
      });
      const state = (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as {
        webhooks: Record<string, number>;
      };
      expect(state.webhooks).toMatchObject({ handshakes: 1, delivery_failures: 1, retries: 1, deliveries: 2 });
    });

    it('refuses a webhook whose target does not echo the secret', async () => {
      receiver.echoSecret = false;
      const refused = await failure(asana.webhooks.createWebhook({ data: { resource: PROJECT, target } }, {}));
      expect(refused.status).toBe(400);
      expect(refused.response.body.errors[0].message).toMatch(/handshake/);
      expect((await asana.webhooks.getWebhooks(WORKSPACE, {})).data).toHaveLength(0);
    });
  });
});
