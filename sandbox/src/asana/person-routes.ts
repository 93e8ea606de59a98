// What a person does in Asana, from the page or a test: comment on a task and (re)assign it, as Asana's own UI
// would (the same stories and webhook events as POST /tasks/:gid/stories and PUT /tasks/:gid {assignee}). The
// person is one of the sandbox's Slack people (the operator by default), in Asana under their name and email.
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SANDBOX_OPERATOR_ID, slackPerson } from '../slack/workspace';
import type { AsanaUser, SandboxState } from '../state';
import { taskChanges } from './changes';
import type { WebhookDispatcher } from './webhooks';

const userId = { type: 'string', pattern: '^[UW][A-Z0-9]{2,}$' } as const;

const commentSchema = {
  type: 'object',
  required: ['text'],
  additionalProperties: false,
  properties: { text: { type: 'string', minLength: 1, maxLength: 65535 }, userId },
} as const;

/** `assignee`: a sandbox person's Slack id, or '' / null to unassign. */
const assignSchema = {
  type: 'object',
  required: ['assignee'],
  additionalProperties: false,
  properties: {
    assignee: { anyOf: [{ type: 'string', pattern: '^([UW][A-Z0-9]{2,})?$' }, { type: 'null' }] },
    userId,
  },
} as const;

type TaskRoute<B> = { Params: { task_gid: string }; Body: B };

const fromPage = (request: FastifyRequest) =>
  request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') ?? false;

export async function asanaPersonRoutes(
  app: FastifyInstance,
  { state, dispatcher }: { state: SandboxState; dispatcher: WebhookDispatcher },
): Promise<void> {
  await app.register(formbody);
  const changes = taskChanges(state, dispatcher);

  /** A sandbox person as an Asana user: the same user every time (the complete button's, for the operator). */
  const asanaUserOf = (id: string): AsanaUser => {
    const person = slackPerson(id);
    return state.asana.userFor(`sandbox-operator:${person.id}`, { name: person.realName, email: person.email });
  };
  const taskOr404 = (gid: string, reply: FastifyReply) => {
    const task = state.asana.task(gid);
    if (!task) void reply.code(404).send({ ok: false, error: 'task_not_found', detail: `no task ${gid}` });
    return task;
  };
  const done = (request: FastifyRequest, reply: FastifyReply, taskGid: string, answer: object) =>
    fromPage(request) ? reply.code(303).redirect(`/#task-${taskGid}`) : answer;

  app.post<TaskRoute<{ text: string; userId?: string }>>(
    '/_sandbox/asana/tasks/:task_gid/comment',
    { schema: { body: commentSchema } },
    async (request, reply) => {
      const task = taskOr404(request.params.task_gid, reply);
      if (!task) return reply;
      const actor = asanaUserOf(request.body.userId ?? SANDBOX_OPERATOR_ID);
      const story = changes.addComment(task, actor, { text: request.body.text });
      return done(request, reply, task.gid, { ok: true, gid: story.gid, task: task.gid, author: actor.gid });
    },
  );

  app.post<TaskRoute<{ assignee: string | null; userId?: string }>>(
    '/_sandbox/asana/tasks/:task_gid/assign',
    { schema: { body: assignSchema } },
    async (request, reply) => {
      const task = taskOr404(request.params.task_gid, reply);
      if (!task) return reply;
      const actor = asanaUserOf(request.body.userId ?? SANDBOX_OPERATOR_ID);
      const assignee = request.body.assignee ? asanaUserOf(request.body.assignee) : null;
      changes.setAssignee(task, actor, assignee?.gid ?? null);
      task.modifiedAt = new Date().toISOString();
      return done(request, reply, task.gid, {
        ok: true,
        gid: task.gid,
        assignee: assignee ? { gid: assignee.gid, name: assignee.name, email: assignee.email } : null,
      });
    },
  );
}
