// A person commenting on and (re)assigning an Asana task, from the page or a test, as Asana's own UI would: the
// stories are written and the project's webhook delivers a comment_added story and an assignee change, signed.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type RunningSandbox } from '../src';
import { asanaClient } from './clients';
import { eventually } from './support';

const PROJECT = '1200000000000001';

describe('a person in Asana', () => {
  let sandbox: RunningSandbox;
  let server: Server;
  let secret = '';
  const delivered: { signature: string; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const hook = request.headers['x-hook-secret'];
        if (typeof hook === 'string') {
          secret = hook;
          return void response.writeHead(200, { 'x-hook-secret': hook }).end();
        }
        delivered.push({
          signature: String(request.headers['x-hook-signature']),
          body: Buffer.concat(chunks).toString(),
        });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    sandbox = await startSandbox({ port: 0 });
  });
  afterAll(async () => {
    await sandbox.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (path: string, body: unknown) =>
    fetch(`${sandbox.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('comments and reassigns, each delivered to the webhook as Asana does', async () => {
    const asana = asanaClient(sandbox, 'person-pat');
    const task = (await asana.tasks.createTask({ data: { name: 'Ann (Acme): refund', projects: [PROJECT] } }, {})).data;
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/asana/webhook`;
    await asana.webhooks.createWebhook(
      {
        data: {
          resource: PROJECT,
          target: url,
          filters: [
            { resource_type: 'task', action: 'changed', fields: ['completed', 'assignee'] },
            { resource_type: 'story', resource_subtype: 'comment_added', action: 'added' },
          ],
        },
      },
      {},
    );

    const commented = (await (
      await post(`/_sandbox/asana/tasks/${task.gid}/comment`, { text: 'reply: on its way', userId: 'U0SANDBOXOP2' })
    ).json()) as { gid: string; author: string };
    const assigned = (await (
      await post(`/_sandbox/asana/tasks/${task.gid}/assign`, { assignee: 'U0SANDBOXOP2' })
    ).json()) as { assignee: { gid: string; email: string } };
    expect(assigned.assignee.email).toBe('oscar@example.test');

    const events = await eventually(
      () => delivered.flatMap((d) => (JSON.parse(d.body) as { events: Record<string, unknown>[] }).events),
      (all) => all.length >= 2,
    );
    for (const d of delivered) expect(d.signature).toBe(createHmac('sha256', secret).update(d.body).digest('hex'));
    expect(events).toEqual([
      expect.objectContaining({
        action: 'added',
        resource: { gid: commented.gid, resource_type: 'story', resource_subtype: 'comment_added' },
        parent: expect.objectContaining({ gid: task.gid, resource_type: 'task' }),
        user: { gid: commented.author, resource_type: 'user' },
      }),
      expect.objectContaining({
        action: 'changed',
        resource: expect.objectContaining({ gid: task.gid }),
        change: { field: 'assignee', action: 'changed' },
      }),
    ]);

    const story = (await asana.stories.getStory(commented.gid, {})).data as {
      text: string;
      created_by: { gid: string; name: string };
    };
    expect(story).toMatchObject({
      text: 'reply: on its way',
      created_by: { gid: commented.author, name: 'Oscar Operator' },
    });
    const reread = (await asana.tasks.getTask(task.gid, {})).data as { assignee: { gid: string } };
    expect(reread.assignee.gid).toBe(assigned.assignee.gid);
    // The commenter and the assignee are one Asana user: the same person.
    expect(assigned.assignee.gid).toBe(commented.author);

    // Unassigning from the page goes back to the page.
    const form = await fetch(`${sandbox.url}/_sandbox/asana/tasks/${task.gid}/assign`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'assignee=',
      redirect: 'manual',
    });
    expect(form.status).toBe(303);
    expect(((await asana.tasks.getTask(task.gid, {})).data as { assignee: unknown }).assignee).toBeNull();
    const page = await (await fetch(`${sandbox.url}/`)).text();
    expect(page).toContain(`action="/_sandbox/asana/tasks/${task.gid}/comment"`);
    expect(page).toContain('assigned to nobody');
  });

  it('refuses a comment without text and a task that does not exist, saying why', async () => {
    const empty = await post('/_sandbox/asana/tasks/1/comment', { text: '' });
    expect(empty.status).toBe(400);
    const missing = await post('/_sandbox/asana/tasks/999999/assign', { assignee: null });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'task_not_found' });
  });
});
