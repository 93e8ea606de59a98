// Asana's ways to list tasks: by project, section, tag, assignee + workspace (GET /tasks), and the
// workspace search (GET /workspaces/:gid/tasks/search) with the filters the sandbox understands; the search
// is premium (402 on a free plan) and its index lags behind new tasks, when the settings say so.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AsanaError, type Json, badRequest, listItem, notFound, paginate, taskCompact, taskJson } from './model';
import type { AsanaContext } from './tasks';
import type { AsanaTask } from '../state';

const ids = (value: unknown): string[] =>
  typeof value === 'string' && value ? value.split(',').map((s) => s.trim()) : [];

function time(value: unknown, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = Date.parse(String(value));
  if (Number.isNaN(ms)) throw badRequest(`${field}: Not a valid date or date-time`);
  return ms;
}

/** completed_since / modified_since, shared by every task list. */
function listFilters(query: Json): (t: AsanaTask) => boolean {
  const completedSince = query.completed_since === 'now' ? Infinity : time(query.completed_since, 'completed_since');
  const modifiedSince = time(query.modified_since, 'modified_since');
  return (t) =>
    (completedSince === undefined ||
      !t.completed ||
      (t.completedAt !== null && Date.parse(t.completedAt) >= completedSince)) &&
    (modifiedSince === undefined || Date.parse(t.modifiedAt) >= modifiedSince);
}

function between(value: string | null, after: number | undefined, before: number | undefined): boolean {
  if (after === undefined && before === undefined) return true;
  if (value === null) return false;
  const ms = Date.parse(value);
  return (after === undefined || ms > after) && (before === undefined || ms < before);
}

export function registerTaskListRoutes(app: FastifyInstance, ctx: AsanaContext): void {
  const store = () => ctx.state.asana;

  const listed = (request: FastifyRequest, tasks: AsanaTask[], path: string) => {
    const query = request.query as Json;
    const keep = listFilters(query);
    const baseUrl = ctx.baseUrl(request);
    const items = tasks.filter(keep).map((t) => listItem(taskCompact(t), () => taskJson(store(), t, baseUrl), query));
    return paginate(items, query, path, `${baseUrl}/asana/api/1.0`);
  };

  app.get<{ Params: { project_gid: string } }>('/projects/:project_gid/tasks', async (request) => {
    const gid = request.params.project_gid;
    if (!store().projects.has(gid)) throw notFound(gid);
    return listed(request, store().tasksInProject(gid), `/projects/${gid}/tasks`);
  });

  app.get<{ Params: { section_gid: string } }>('/sections/:section_gid/tasks', async (request) => {
    const gid = request.params.section_gid;
    if (!store().sections.has(gid)) throw notFound(gid);
    const tasks = [...store().tasks.values()].filter((t) => t.memberships.some((m) => m.sectionGid === gid));
    return listed(request, tasks, `/sections/${gid}/tasks`);
  });

  app.get<{ Params: { tag_gid: string } }>('/tags/:tag_gid/tasks', async (request) => {
    const gid = request.params.tag_gid;
    if (!store().tags.has(gid)) throw notFound(gid);
    return listed(
      request,
      [...store().tasks.values()].filter((t) => t.tagGids.includes(gid)),
      `/tags/${gid}/tasks`,
    );
  });

  app.get<{ Querystring: Json }>('/tasks', async (request) => {
    const { project, section, tag, assignee, workspace } = request.query;
    const all = [...store().tasks.values()];
    const scopes = [
      project,
      section,
      tag,
      assignee !== undefined || workspace !== undefined ? 'assignee' : undefined,
    ].filter((s) => s !== undefined);
    if (scopes.length !== 1 || (scopes[0] === 'assignee' && (assignee === undefined || workspace === undefined))) {
      throw badRequest('Must specify exactly one of project, tag, section, user task list, or assignee + workspace');
    }
    let tasks: AsanaTask[];
    if (project !== undefined) {
      if (!store().projects.has(String(project))) throw notFound(String(project));
      tasks = store().tasksInProject(String(project));
    } else if (section !== undefined)
      tasks = all.filter((t) => t.memberships.some((m) => m.sectionGid === String(section)));
    else if (tag !== undefined) tasks = all.filter((t) => t.tagGids.includes(String(tag)));
    else {
      const assigneeGid = assignee === 'me' ? ctx.actor(request).gid : String(assignee);
      tasks = all.filter((t) => t.assigneeGid === assigneeGid && t.workspaceGid === String(workspace));
    }
    return listed(request, tasks, '/tasks');
  });

  app.get<{ Params: { workspace_gid: string }; Querystring: Json }>(
    '/workspaces/:workspace_gid/tasks/search',
    async (request) => {
      const gid = request.params.workspace_gid;
      if (!store().workspaces.has(gid)) throw notFound(gid);
      if (!ctx.settings.searchAvailable)
        throw new AsanaError(402, 'Search is only available to premium users. Upgrade to Asana Premium to use search.');
      const indexedBefore = Date.now() - ctx.settings.searchLagSeconds * 1000;
      const q = request.query;
      const text = typeof q.text === 'string' ? q.text.toLowerCase() : undefined;
      const completed = q.completed === undefined ? undefined : q.completed === 'true';
      const me = ctx.actor(request).gid;
      const any = (want: string[], have: string[]) => want.length === 0 || want.some((w) => have.includes(w));
      const none = (want: string[], have: string[]) => !want.some((w) => have.includes(w));
      const all = (want: string[], have: string[]) => want.every((w) => have.includes(w));
      const range = (field: string) =>
        [time(q[`${field}.after`], `${field}.after`), time(q[`${field}.before`], `${field}.before`)] as const;
      const [createdAfter, createdBefore] = range('created_at');
      const [modifiedAfter, modifiedBefore] = range('modified_at');
      const [completedAfter, completedBefore] = range('completed_at');
      const assignees = ids(q['assignee.any']).map((a) => (a === 'me' ? me : a));

      const found = [...store().tasks.values()].filter((t) => {
        const projects = t.memberships.map((m) => m.projectGid);
        const sections = t.memberships.map((m) => m.sectionGid);
        return (
          t.workspaceGid === gid &&
          Date.parse(t.createdAt) <= indexedBefore &&
          (text === undefined || t.name.toLowerCase().includes(text) || t.notes.toLowerCase().includes(text)) &&
          (completed === undefined || t.completed === completed) &&
          any(ids(q['projects.any']), projects) &&
          none(ids(q['projects.not']), projects) &&
          all(ids(q['projects.all']), projects) &&
          any(ids(q['sections.any']), sections) &&
          none(ids(q['sections.not']), sections) &&
          any(ids(q['tags.any']), t.tagGids) &&
          none(ids(q['tags.not']), t.tagGids) &&
          all(ids(q['tags.all']), t.tagGids) &&
          (assignees.length === 0 || (t.assigneeGid !== null && assignees.includes(t.assigneeGid))) &&
          between(t.createdAt, createdAfter, createdBefore) &&
          between(t.modifiedAt, modifiedAfter, modifiedBefore) &&
          between(t.completedAt, completedAfter, completedBefore)
        );
      });

      const sortKey = {
        created_at: 'createdAt',
        completed_at: 'completedAt',
        modified_at: 'modifiedAt',
        due_date: 'dueOn',
      }[String(q.sort_by ?? 'modified_at')] as keyof AsanaTask | undefined;
      if (sortKey) {
        const ascending = q.sort_ascending === 'true';
        const key = (t: AsanaTask) => String(t[sortKey] ?? '');
        found.sort(
          (a, b) => (ascending ? 1 : -1) * (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : Number(a.gid) - Number(b.gid)),
        );
      }
      // Search answers one page of at most `limit` (default and most 100) and no next_page, as Asana's does.
      const limit = q.limit === undefined ? 100 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw badRequest('limit: Must be between 1 and 100.');
      const baseUrl = ctx.baseUrl(request);
      return {
        data: found.slice(0, limit).map((t) => listItem(taskCompact(t), () => taskJson(store(), t, baseUrl), q)),
      };
    },
  );
}
