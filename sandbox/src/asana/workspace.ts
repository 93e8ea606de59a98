// The Asana resources around tasks: workspaces, users (the token's user is "me"), projects with their
// sections (an empty one may be deleted), and tags (deleting one takes it off its tasks). The seeded workspace and project exist from the
// start; more may be made.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  type Json,
  badRequest,
  listItem,
  notFound,
  paginate,
  projectCompact,
  projectJson,
  sectionCompact,
  tagCompact,
  tagJson,
  userCompact,
  withFields,
} from './model';
import { type AsanaContext, dataOf } from './tasks';
import type { AsanaTag, AsanaUser } from '../state';

type Gid<K extends string> = { Params: Record<K, string>; Querystring: Json };

export function registerWorkspaceRoutes(app: FastifyInstance, ctx: AsanaContext): void {
  const store = () => ctx.state.asana;
  const apiBase = (request: FastifyRequest) => `${ctx.baseUrl(request)}/asana/api/1.0`;
  const workspaceCompact = (gid: string) => ({
    gid,
    name: store().workspaces.get(gid)?.name ?? '',
    resource_type: 'workspace',
  });
  const requireWorkspace = (value: unknown): string => {
    if (value === undefined || value === '') throw badRequest('workspace: Missing input');
    const gid = String(value);
    if (!store().workspaces.has(gid)) throw notFound(gid);
    return gid;
  };

  // ---- workspaces

  app.get<{ Querystring: Json }>('/workspaces', async (request) =>
    paginate(
      [...store().workspaces.keys()].map((gid) => withFields(workspaceCompact(gid), request.query)),
      request.query,
      '/workspaces',
      apiBase(request),
    ),
  );
  app.get<Gid<'workspace_gid'>>('/workspaces/:workspace_gid', async (request) => {
    const gid = requireWorkspace(request.params.workspace_gid);
    return {
      data: withFields(
        { ...workspaceCompact(gid), email_domains: ['sandbox.example'], is_organization: false },
        request.query,
      ),
    };
  });

  // ---- users

  const userJson = (u: AsanaUser) => ({
    ...userCompact(u),
    email: u.email,
    photo: null,
    workspaces: [...store().workspaces.keys()].map(workspaceCompact),
  });
  app.get<Gid<'user_gid'>>('/users/:user_gid', async (request) => {
    const ref = request.params.user_gid;
    const user = ref === 'me' ? ctx.actor(request) : (store().users.get(ref) ?? store().userByEmail(ref));
    if (!user) throw notFound(ref);
    return { data: withFields(userJson(user), request.query) };
  });
  app.get<{ Querystring: Json }>('/users', async (request) => {
    const users = [...store().users.values()].map((u) => listItem(userCompact(u), () => userJson(u), request.query));
    return paginate(users, request.query, '/users', apiBase(request));
  });

  // ---- projects and sections

  const listProjects = (
    request: FastifyRequest<{ Querystring: Json }>,
    workspace: string | undefined,
    path: string,
  ) => {
    const projects = [...store().projects.values()].filter(
      (p) => workspace === undefined || p.workspaceGid === workspace,
    );
    return paginate(
      projects.map((p) => listItem(projectCompact(p), () => projectJson(store(), p), request.query)),
      request.query,
      path,
      apiBase(request),
    );
  };
  app.get<{ Querystring: Json }>('/projects', async (request) =>
    listProjects(
      request,
      request.query.workspace === undefined ? undefined : String(request.query.workspace),
      '/projects',
    ),
  );
  app.get<Gid<'workspace_gid'>>('/workspaces/:workspace_gid/projects', async (request) => {
    const gid = requireWorkspace(request.params.workspace_gid);
    return listProjects(request, gid, `/workspaces/${gid}/projects`);
  });
  app.get<Gid<'project_gid'>>('/projects/:project_gid', async (request) => {
    const project = store().projects.get(request.params.project_gid);
    if (!project) throw notFound(request.params.project_gid);
    return { data: withFields(projectJson(store(), project), request.query) };
  });

  const sectionJson = (gid: string) => {
    const s = store().sections.get(gid)!;
    return {
      ...sectionCompact(s),
      created_at: s.createdAt,
      project: projectCompact(store().projects.get(s.projectGid)!),
    };
  };
  app.get<Gid<'project_gid'>>('/projects/:project_gid/sections', async (request) => {
    const gid = request.params.project_gid;
    if (!store().projects.has(gid)) throw notFound(gid);
    const sections = store()
      .sectionsOf(gid)
      .map((s) => listItem(sectionCompact(s), () => sectionJson(s.gid), request.query));
    return paginate(sections, request.query, `/projects/${gid}/sections`, apiBase(request));
  });
  app.post<Gid<'project_gid'>>('/projects/:project_gid/sections', async (request, reply) => {
    const projectGid = request.params.project_gid;
    if (!store().projects.has(projectGid)) throw notFound(projectGid);
    const name = dataOf(request).name;
    if (typeof name !== 'string' || !name) throw badRequest('name: Missing input');
    const gid = store().nextGid();
    store().sections.set(gid, { gid, name, projectGid, createdAt: new Date().toISOString() });
    return reply.code(201).send({ data: withFields(sectionJson(gid), request.query) });
  });
  app.get<Gid<'section_gid'>>('/sections/:section_gid', async (request) => {
    if (!store().sections.has(request.params.section_gid)) throw notFound(request.params.section_gid);
    return { data: withFields(sectionJson(request.params.section_gid), request.query) };
  });
  // As Asana: only an empty section may be deleted, and never a project's last one.
  app.delete<Gid<'section_gid'>>('/sections/:section_gid', async (request) => {
    const section = store().sections.get(request.params.section_gid);
    if (!section) throw notFound(request.params.section_gid);
    if ([...store().tasks.values()].some((t) => t.memberships.some((m) => m.sectionGid === section.gid)))
      throw badRequest('Sections must be empty to be deleted.');
    if (store().sectionsOf(section.projectGid).length === 1)
      throw badRequest('The last section in a project cannot be deleted.');
    store().sections.delete(section.gid);
    return { data: {} };
  });

  // ---- tags

  const createTag = (data: Json, workspaceGid: string): AsanaTag => {
    if (typeof data.name !== 'string' || !data.name) throw badRequest('name: Missing input');
    const tag: AsanaTag = {
      gid: store().nextGid(),
      name: data.name,
      workspaceGid,
      color: typeof data.color === 'string' ? data.color : null,
      createdAt: new Date().toISOString(),
    };
    store().tags.set(tag.gid, tag);
    return tag;
  };
  const listTags = (request: FastifyRequest<{ Querystring: Json }>, workspaceGid: string, path: string) => {
    const tags = [...store().tags.values()].filter((t) => t.workspaceGid === workspaceGid);
    return paginate(
      tags.map((t) => listItem(tagCompact(t), () => tagJson(store(), t), request.query)),
      request.query,
      path,
      apiBase(request),
    );
  };

  app.post<{ Querystring: Json }>('/tags', async (request, reply) => {
    const data = dataOf(request);
    const tag = createTag(data, requireWorkspace(data.workspace));
    return reply.code(201).send({ data: withFields(tagJson(store(), tag), request.query) });
  });
  app.post<Gid<'workspace_gid'>>('/workspaces/:workspace_gid/tags', async (request, reply) => {
    const tag = createTag(dataOf(request), requireWorkspace(request.params.workspace_gid));
    return reply.code(201).send({ data: withFields(tagJson(store(), tag), request.query) });
  });
  app.get<{ Querystring: Json }>('/tags', async (request) =>
    listTags(request, requireWorkspace(request.query.workspace), '/tags'),
  );
  app.get<Gid<'workspace_gid'>>('/workspaces/:workspace_gid/tags', async (request) => {
    const gid = requireWorkspace(request.params.workspace_gid);
    return listTags(request, gid, `/workspaces/${gid}/tags`);
  });
  app.get<Gid<'tag_gid'>>('/tags/:tag_gid', async (request) => {
    const tag = store().tags.get(request.params.tag_gid);
    if (!tag) throw notFound(request.params.tag_gid);
    return { data: withFields(tagJson(store(), tag), request.query) };
  });
  // Deleting a tag takes it off every task that had it, as Asana does.
  app.delete<Gid<'tag_gid'>>('/tags/:tag_gid', async (request) => {
    const gid = request.params.tag_gid;
    if (!store().tags.delete(gid)) throw notFound(gid);
    for (const task of store().tasks.values())
      if (task.tagGids.includes(gid)) task.tagGids = task.tagGids.filter((t) => t !== gid);
    return { data: {} };
  });
}
