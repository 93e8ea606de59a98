// Asana tasks, their stories (comments and the system stories Asana writes) and their tags:
// create, read (by gid or external:<id>), update, delete, and the webhook events each change makes.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  AsanaError,
  type Json,
  badRequest,
  htmlToText,
  listItem,
  notFound,
  notesToHtml,
  paginate,
  richTextProblem,
  storyJson,
  tagCompact,
  tagJson,
  taskJson,
  withFields,
} from './model';
import type { AsanaSettings } from '../settings';
import { taskChanges } from './changes';
import type { AsanaMembership, AsanaStore, AsanaTask, AsanaUser, SandboxState } from '../state';
import type { WebhookDispatcher } from './webhooks';

/** What every Asana route needs, made by the plugin. */
export interface AsanaContext {
  state: SandboxState;
  settings: AsanaSettings;
  dispatcher: WebhookDispatcher;
  /** The user the request's token acts as. */
  actor(request: FastifyRequest): AsanaUser;
  /** http://host:port as the caller reached the sandbox. */
  baseUrl(request: FastifyRequest): string;
}

export type TaskParams = { Params: { task_gid: string }; Querystring: Json };

/** The `data` of a request body; a form body's fields are the data itself (Asana accepts both). */
export function dataOf(request: FastifyRequest): Json {
  const body = request.body as Json | undefined;
  if (body && typeof body.data === 'object' && body.data !== null && !Array.isArray(body.data))
    return body.data as Json;
  if (body && !request.headers['content-type']?.startsWith('application/json') && Object.keys(body).length > 0)
    return body;
  throw badRequest('data: Missing input');
}

export function findTask(store: AsanaStore, ref: string): AsanaTask {
  if (!/^\d+$/.test(ref) && !ref.startsWith('external:')) throw badRequest(`task: Not a recognized ID: ${ref}`);
  const task = store.task(ref);
  if (!task) throw notFound(ref);
  return task;
}

const list = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.map(String)
    : typeof value === 'string' && value
      ? value.split(',').map((s) => s.trim())
      : [];

function userRef(store: AsanaStore, actor: AsanaUser, ref: unknown, field: string): string | null {
  if (ref === null || ref === undefined || ref === '') return null;
  const key = String(ref);
  if (key === 'me') return actor.gid;
  const user = store.users.get(key) ?? store.userByEmail(key);
  if (!user) throw badRequest(`${field}: Not a recognized ID: ${key}`);
  return user.gid;
}

function external(value: unknown): AsanaTask['external'] {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest('external: Value must be an object');
  const { gid, data } = value as Json;
  if (gid !== undefined && (typeof gid !== 'string' || gid.length > 1024))
    throw badRequest('external.gid: Must be a string of at most 1024 characters');
  if (data !== undefined && (typeof data !== 'string' || data.length > 32768))
    throw badRequest('external.data: Must be a string of at most 32768 characters');
  return { ...(gid !== undefined ? { gid } : {}), ...(data !== undefined ? { data } : {}) };
}

/** notes / html_notes, one of them, kept in step as Asana keeps them. */
function notes(data: Json): { notes: string; htmlNotes: string } | null {
  if (data.notes !== undefined && data.html_notes !== undefined)
    throw badRequest('You may only provide one of notes or html_notes.');
  if (data.html_notes !== undefined) {
    const html = String(data.html_notes);
    const problem = richTextProblem('html_notes', html);
    if (problem) throw problem;
    return { notes: htmlToText(html), htmlNotes: html };
  }
  if (data.notes !== undefined) return { notes: String(data.notes), htmlNotes: notesToHtml(String(data.notes)) };
  return null;
}

function flag(value: unknown, field: string): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw badRequest(`${field}: Value must be a boolean`);
}

export function registerTaskRoutes(app: FastifyInstance, ctx: AsanaContext): void {
  const store = () => ctx.state.asana;
  const { ref, taskRef, event, systemStory, changed, addToProject, setCompleted, setAssignee, addComment } =
    taskChanges(ctx.state, ctx.dispatcher);
  const membership = (projectGid: string, sectionGid?: string): AsanaMembership => {
    const project = store().projects.get(projectGid);
    if (!project) throw badRequest(`projects: Unknown object: ${projectGid}`);
    const sections = store().sectionsOf(projectGid);
    const section = sectionGid ? sections.find((s) => s.gid === sectionGid) : sections[0];
    if (!section) throw badRequest(`memberships: section ${sectionGid} is not in project ${projectGid}`);
    return { projectGid, sectionGid: section.gid };
  };
  const reply = (request: FastifyRequest, task: AsanaTask) => ({
    data: withFields(taskJson(store(), task, ctx.baseUrl(request)), request.query as Json),
  });

  app.post<{ Querystring: Json }>('/tasks', async (request, res) => {
    const data = dataOf(request);
    const actor = ctx.actor(request);
    const wanted: AsanaMembership[] = [];
    for (const projectGid of list(data.projects)) wanted.push(membership(projectGid));
    for (const m of Array.isArray(data.memberships) ? (data.memberships as Json[]) : [])
      wanted.push(membership(String(m.project), m.section ? String(m.section) : undefined));
    const workspaceGid = data.workspace
      ? String(data.workspace)
      : wanted[0]
        ? store().projects.get(wanted[0].projectGid)!.workspaceGid
        : undefined;
    if (!workspaceGid) throw badRequest('workspace: Missing input');
    if (!store().workspaces.has(workspaceGid)) throw badRequest(`workspace: Unknown object: ${workspaceGid}`);
    const tagGids = list(data.tags);
    for (const gid of tagGids) if (!store().tags.has(gid)) throw badRequest(`tags: Unknown object: ${gid}`);
    const now = new Date().toISOString();
    const completed = data.completed === undefined ? false : flag(data.completed, 'completed');
    const text = notes(data) ?? { notes: '', htmlNotes: '<body></body>' };
    const task: AsanaTask = {
      gid: store().nextGid(),
      name: data.name === undefined ? '' : String(data.name),
      notes: text.notes,
      htmlNotes: text.htmlNotes,
      workspaceGid,
      memberships: [],
      tagGids: [...new Set(tagGids)],
      assigneeGid: userRef(store(), actor, data.assignee, 'assignee'),
      followerGids: [actor.gid, ...list(data.followers).map((f) => userRef(store(), actor, f, 'followers')!)],
      completed,
      completedAt: completed ? now : null,
      completedByGid: completed ? actor.gid : null,
      external: data.external === undefined ? null : external(data.external),
      customFields: (data.custom_fields as Record<string, unknown> | undefined) ?? {},
      dueOn: data.due_on ? String(data.due_on) : null,
      dueAt: data.due_at ? String(data.due_at) : null,
      createdAt: now,
      createdByGid: actor.gid,
      modifiedAt: now,
    };
    store().tasks.set(task.gid, task);
    for (const m of wanted)
      if (!task.memberships.some((have) => have.projectGid === m.projectGid)) addToProject(task, actor, m);
    // The task exists from here on; a held answer is what a client sees when its create times out. The hold
    // ends early when the client goes away (a killed process), so nothing waits on a dead socket.
    const delayMs = ctx.settings.createAnswerDelayMs;
    if (delayMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        request.raw.socket.once('close', () => (clearTimeout(timer), resolve()));
      });
    }
    return res.code(201).send(reply(request, task));
  });

  app.get<TaskParams>('/tasks/:task_gid', async (request) =>
    reply(request, findTask(store(), request.params.task_gid)),
  );

  app.put<TaskParams>('/tasks/:task_gid', async (request) => {
    const task = findTask(store(), request.params.task_gid);
    const data = dataOf(request);
    const actor = ctx.actor(request);
    for (const field of ['projects', 'memberships', 'tags', 'workspace', 'followers', 'parent']) {
      if (data[field] !== undefined) throw badRequest(`${field}: Cannot write this property`);
    }
    const now = new Date().toISOString();
    if (data.name !== undefined && String(data.name) !== task.name) {
      task.name = String(data.name);
      changed(task, actor, 'name', 'name_changed', `changed the name to "${task.name}"`);
    }
    const text = notes(data);
    if (text && text.htmlNotes !== task.htmlNotes) {
      Object.assign(task, text);
      changed(task, actor, 'notes', 'notes_changed', 'changed the description');
    }
    if (data.assignee !== undefined) setAssignee(task, actor, userRef(store(), actor, data.assignee, 'assignee'));
    if (data.due_on !== undefined || data.due_at !== undefined) {
      task.dueOn = data.due_on ? String(data.due_on) : data.due_on === null ? null : task.dueOn;
      task.dueAt = data.due_at ? String(data.due_at) : data.due_at === null ? null : task.dueAt;
      changed(task, actor, data.due_at !== undefined ? 'due_at' : 'due_on', 'due_date_changed', 'changed the due date');
    }
    if (data.custom_fields !== undefined) {
      Object.assign(task.customFields, data.custom_fields as Record<string, unknown>);
      changed(task, actor, 'custom_fields', 'enum_custom_field_changed', 'changed a custom field');
    }
    if (data.external !== undefined) task.external = external(data.external);
    if (data.completed !== undefined) setCompleted(task, actor, flag(data.completed, 'completed'), now);
    task.modifiedAt = now;
    return reply(request, task);
  });

  app.delete<TaskParams>('/tasks/:task_gid', async (request) => {
    const task = findTask(store(), request.params.task_gid);
    ctx.dispatcher.publishForTask(
      task,
      event(ctx.actor(request), { action: 'deleted', resource: taskRef(task), parent: null }),
    );
    store().tasks.delete(task.gid);
    return { data: {} };
  });

  app.post<TaskParams>('/tasks/:task_gid/addProject', async (request) => {
    const task = findTask(store(), request.params.task_gid);
    const data = dataOf(request);
    const m = membership(String(data.project), data.section ? String(data.section) : undefined);
    if (!task.memberships.some((have) => have.projectGid === m.projectGid)) addToProject(task, ctx.actor(request), m);
    task.modifiedAt = new Date().toISOString();
    return { data: {} };
  });

  // ---- stories

  app.post<TaskParams>('/tasks/:task_gid/stories', async (request, res) => {
    const task = findTask(store(), request.params.task_gid);
    const data = dataOf(request);
    const actor = ctx.actor(request);
    let text: string;
    let htmlText: string;
    if (data.html_text !== undefined) {
      htmlText = String(data.html_text);
      const problem = richTextProblem('html_text', htmlText);
      if (problem) throw problem;
      text = htmlToText(htmlText);
    } else if (typeof data.text === 'string' && data.text.length > 0) {
      text = data.text;
      htmlText = notesToHtml(text);
    } else throw badRequest('text: Missing input');
    const story = addComment(task, actor, {
      text,
      htmlText,
      isPinned: data.is_pinned === undefined ? false : flag(data.is_pinned, 'is_pinned'),
    });
    return res.code(201).send({ data: withFields(storyJson(store(), story), request.query) });
  });

  app.get<TaskParams>('/tasks/:task_gid/stories', async (request) => {
    const task = findTask(store(), request.params.task_gid);
    const stories = store()
      .storiesOf(task.gid)
      .map((s) => withFields(storyJson(store(), s), request.query));
    return paginate(stories, request.query, `/tasks/${task.gid}/stories`, `${ctx.baseUrl(request)}/asana/api/1.0`);
  });

  app.get<{ Params: { story_gid: string }; Querystring: Json }>('/stories/:story_gid', async (request) => {
    const story = store().stories.find((s) => s.gid === request.params.story_gid);
    if (!story) throw notFound(request.params.story_gid);
    return { data: withFields(storyJson(store(), story), request.query) };
  });

  // ---- tags on a task

  const tagChange = (add: boolean) => async (request: FastifyRequest<TaskParams>) => {
    const task = findTask(store(), request.params.task_gid);
    const tagGid = String(dataOf(request).tag ?? '');
    const tag = store().tags.get(tagGid);
    if (!tag) throw new AsanaError(400, `tag: Unknown object: ${tagGid}`);
    const actor = ctx.actor(request);
    const has = task.tagGids.includes(tag.gid);
    if (add !== has) {
      task.tagGids = add ? [...task.tagGids, tag.gid] : task.tagGids.filter((gid) => gid !== tag.gid);
      task.modifiedAt = new Date().toISOString();
      systemStory(
        task,
        actor,
        add ? 'added_to_tag' : 'removed_from_tag',
        `${add ? 'added to' : 'removed from'} ${tag.name}`,
      );
      const value = ref(tag.gid, 'tag');
      const change = add
        ? { field: 'tags', action: 'added', added_value: value }
        : { field: 'tags', action: 'removed', removed_value: value };
      ctx.dispatcher.publishForTask(
        task,
        event(actor, { action: 'changed', resource: taskRef(task), parent: null, change }),
        [tag.gid],
      );
    }
    return { data: {} };
  };
  app.post<TaskParams>('/tasks/:task_gid/addTag', tagChange(true));
  app.post<TaskParams>('/tasks/:task_gid/removeTag', tagChange(false));

  app.get<TaskParams>('/tasks/:task_gid/tags', async (request) => {
    const task = findTask(store(), request.params.task_gid);
    const tags = task.tagGids.map((gid) => store().tags.get(gid)).filter((t) => t !== undefined);
    return paginate(
      tags.map((t) => listItem(tagCompact(t), () => tagJson(store(), t), request.query)),
      request.query,
      `/tasks/${task.gid}/tags`,
      `${ctx.baseUrl(request)}/asana/api/1.0`,
    );
  });
}
