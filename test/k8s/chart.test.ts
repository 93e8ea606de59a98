// The Helm chart on a real single-node Kubernetes (scripts/k8s/cluster.sh, run by scripts/k8s/test.sh): install
// with the local image, traffic through the ingress Service, scale-out and a rolling update under a stream of
// events (nothing lost, nothing doubled), the pods' security contexts and probes as rendered, and a clean uninstall.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { scopeId } from '@switchboard/core';
import { conversationMarker } from '@switchboard/agreements';
import { ROOT, eventually } from '../support/services';

const run = promisify(execFile);
const KUBECTL = process.env.SWITCHBOARD_KUBECTL || 'kubectl';
const HELM = process.env.SWITCHBOARD_HELM || 'helm';
const NS = 'sb-k8s-test';
const DEPS_NS = 'sb-k8s-deps';
const RELEASE = 'sb';
const FULLNAME = 'sb-switchboard';
const SERVICES = ['ingress', 'classifier', 'notifier', 'ticketer', 'status'] as const;
// The fixed ClusterIPs of test/k8s/deps.yaml (no CoreDNS: the pods are given addresses, not names).
const KAFKA = '10.96.100.10:9092';
const SANDBOX = 'http://10.96.100.12:8090';
const API_KEY = 'k8s-test-key-0123456789abcdef';
const PROJECT_GID = '1200000000000001';

const work = mkdtempSync(join(tmpdir(), 'sb-k8s-'));
const valuesFile = join(work, 'values.yaml');

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(KUBECTL, args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}
async function helm(...args: string[]): Promise<string> {
  const { stdout } = await run(HELM, [...args, '--namespace', NS], { maxBuffer: 64 * 1024 * 1024, cwd: ROOT });
  return stdout;
}
async function json<T>(...args: string[]): Promise<T> {
  return JSON.parse(await kubectl(...args, '-o', 'json')) as T;
}
/** A probe for `eventually` that reads a failure (a Service not answering yet) as "not yet". */
const attempt =
  <T>(probe: () => Promise<T>) =>
  async (): Promise<T | undefined> => {
    try {
      return await probe();
    } catch {
      return undefined;
    }
  };

interface Container {
  name: string;
  image: string;
  imagePullPolicy: string;
  securityContext?: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  startupProbe?: { httpGet?: { path: string } };
}
interface Pod {
  metadata: { name: string; labels: Record<string, string>; deletionTimestamp?: string };
  spec: {
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; runAsGroup?: number };
    containers: Container[];
  };
  status: { phase: string; conditions?: { type: string; status: string }[] };
}
interface Deployment {
  metadata: { name: string };
  spec: { replicas: number };
  status: { readyReplicas?: number; updatedReplicas?: number; replicas?: number };
}

const podsOf = async (component: string) =>
  (
    await json<{ items: Pod[] }>(
      'get',
      'pods',
      '-n',
      NS,
      '-l',
      `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=${component}`,
    )
  ).items.filter((p) => !p.metadata.deletionTimestamp);
const readyPods = async (component: string) =>
  (await podsOf(component)).filter((p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));

function writeValues(extra: string): void {
  writeFileSync(
    valuesFile,
    `image: { repository: switchboard, tag: local, pullPolicy: Never }
kafka: { brokers: "${KAFKA}", partitions: 12, replicationFactor: 1 }
redis: { url: "redis://10.96.100.11:6379" }
slack: { apiUrl: "${SANDBOX}/slack/api/", triageChannel: "#triage-k8s" }
# The Asana webhook needs a public URL the sandbox can call back; this test follows tasks, not their completion.
asana: { projectGid: "${PROJECT_GID}", baseUrl: "${SANDBOX}/asana/api/1.0", registerWebhook: false }
secrets:
  existingSecret: ""
  create:
    slackBotToken: xoxb-k8s-test
    slackSigningSecret: k8s-test-signing-secret
    asanaToken: k8s-test-asana-token
    ingressApiKeys: "k8s-bot:${API_KEY}"
    consoleSessionSecret: k8s-test-session-secret-0123456789abcdef
services:
  ingress: { replicas: 1 }
  classifier: { replicas: 1 }
  status: { replicas: 1 }
${extra}`,
  );
}

async function serviceUrl(name: string, port: number): Promise<string> {
  const ip = (
    await kubectl('get', 'service', '-n', NS, `${FULLNAME}-${name}`, '-o', 'jsonpath={.spec.clusterIP}')
  ).trim();
  return `http://${ip}:${port}`;
}

interface SlackMessage {
  channel: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
}
interface AsanaTask {
  name: string;
  notes: string;
  stories: { text: string }[];
}
const listOf = <T>(value: T[] | { messages?: T[]; tasks?: T[] }): T[] =>
  Array.isArray(value) ? value : (value.messages ?? value.tasks ?? []);
const sandboxMessages = async () =>
  listOf((await (await fetch(`${SANDBOX}/_sandbox/slack/messages`)).json()) as SlackMessage[]);
const sandboxTasks = async () => listOf((await (await fetch(`${SANDBOX}/_sandbox/asana/tasks`)).json()) as AsanaTask[]);

/** Conversation ids are fixed-width (k8s-a-0001), so "Caller <id>" never matches a longer id. */
const caller = (id: string) => `Caller ${id}`;
const followUp = (id: string) => `follow-up of ${id}`;

/** One event, retried with the same event_id (the ingress deduplicates) until the ingress Service accepts it. */
async function postEvent(ingressUrl: string, eventId: string, conversationId: string, text: string): Promise<void> {
  let last = '';
  for (let i = 0; i < 120; i++) {
    try {
      const res = await fetch(`${ingressUrl}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify({
          event_id: eventId,
          conversation_id: conversationId,
          user: { id: `u-${conversationId}`, name: caller(conversationId) },
          team: { id: 't1', name: 'Acme' },
          text,
        }),
      });
      if (res.status === 202) return;
      last = `${res.status} ${await res.text()}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the ingress never accepted ${eventId}: ${last}`);
}

/**
 * Posts conversations until stopped, about three new ones a second; each is a first message and, once that was
 * accepted, a follow-up (a bot sends a conversation's messages in order, retrying each until accepted).
 * Resolves to their ids once every message was accepted.
 */
function streamEvents(ingressUrl: string, prefix: string): { stop: () => Promise<string[]> } {
  const ids: string[] = [];
  const conversations: Promise<void>[] = [];
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let running = true;
  const loop = (async () => {
    for (let n = 1; running; n++) {
      const id = `${prefix}-${String(n).padStart(4, '0')}`;
      ids.push(id);
      conversations.push(
        (async () => {
          await postEvent(ingressUrl, `${id}-1`, id, `first message of ${id}`);
          await pause(600);
          await postEvent(ingressUrl, `${id}-2`, id, followUp(id));
        })(),
      );
      await pause(300);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      await Promise.all(conversations);
      return ids;
    },
  };
}

/**
 * The channel's root messages that place a conversation: its own root ("New conversation with …"), or, while
 * the notifier paces the channel, its line in a digest root ("N new conversations", one block per conversation).
 */
const rootsOf = (messages: SlackMessage[], id: string) =>
  messages.filter((m) => !m.thread_ts && JSON.stringify({ text: m.text, blocks: m.blocks ?? [] }).includes(caller(id)));

/** Every conversation: exactly one Slack root, one Asana task, and its follow-up commented on the task exactly once. */
async function expectExactlyOnce(ids: string[]): Promise<void> {
  const problems = async () => {
    const messages = await sandboxMessages();
    const tasks = await sandboxTasks();
    const found: string[] = [];
    for (const id of ids) {
      const roots = rootsOf(messages, id).length;
      // Past ingress a conversation is named by the bot's key name and the bot's own id.
      const itsTasks = tasks.filter((t) => t.notes.split('\n').includes(conversationMarker(scopeId('k8s-bot', id))));
      const comments = itsTasks.flatMap((t) => t.stories).filter((s) => s.text.includes(followUp(id))).length;
      if (roots !== 1 || itsTasks.length !== 1 || comments !== 1)
        found.push(`${id}: ${roots} roots, ${itsTasks.length} tasks, ${comments} follow-up comments`);
    }
    return found;
  };
  await eventually(
    problems,
    (found) => found.length === 0,
    180_000,
    `a root, a task and its follow-up comment for each of ${ids.length} conversations`,
  );
  // Whatever was still in flight (a redelivery after a rebalance) has landed by now: still exactly once.
  await new Promise((r) => setTimeout(r, 5000));
  expect(await problems()).toEqual([]);
}

async function expectDeploymentsReady(replicas: Record<string, number>): Promise<void> {
  for (const name of SERVICES) {
    const d = await json<Deployment>('get', 'deployment', '-n', NS, `${FULLNAME}-${name}`);
    expect({ name, ready: d.status.readyReplicas, updated: d.status.updatedReplicas }).toEqual({
      name,
      ready: replicas[name],
      updated: replicas[name],
    });
  }
}

/** The distinct consumers of a group, from Kafka itself (kafka-consumer-groups.sh in the broker's pod). */
async function groupMembers(group: string): Promise<number> {
  const out = await kubectl(
    'exec',
    '-n',
    DEPS_NS,
    'deploy/kafka',
    '--',
    '/opt/kafka/bin/kafka-consumer-groups.sh',
    '--bootstrap-server',
    'localhost:9092',
    '--describe',
    '--group',
    group,
    '--members',
  );
  return out.split('\n').filter((line) => line.startsWith(group)).length;
}

describe('the Helm chart on a real Kubernetes', () => {
  let ingressUrl: string;
  const initial = { ingress: 1, classifier: 1, notifier: 2, ticketer: 2, status: 1 };

  beforeAll(async () => {
    await kubectl('apply', '-f', join(ROOT, 'test', 'k8s', 'deps.yaml'));
    for (const name of ['kafka', 'redis', 'sandbox'])
      await kubectl('rollout', 'status', '-n', DEPS_NS, `deployment/${name}`, '--timeout=300s');
    // Kafka answers on its port a little before it serves metadata: the topics Job retries anyway (backoffLimit).
    await eventually(
      attempt(async () => (await fetch(`${SANDBOX}/_sandbox/state`)).status),
      (s) => s === 200,
      60_000,
      'the sandbox',
    );
    await kubectl('create', 'namespace', NS);
  }, 600_000);

  afterAll(async () => {
    await helm('uninstall', RELEASE, '--wait', '--timeout', '120s').catch(() => undefined);
    await kubectl('delete', 'namespace', NS, DEPS_NS, '--ignore-not-found', '--wait=true', '--timeout=180s').catch(
      () => undefined,
    );
    rmSync(work, { recursive: true, force: true });
  }, 300_000);

  it('installs: every Deployment Ready, the topics created by the hook Job', async () => {
    writeValues('');
    await helm('install', RELEASE, join(ROOT, 'charts', 'switchboard'), '-f', valuesFile, '--wait', '--timeout', '10m');
    await expectDeploymentsReady(initial);
    // The pre-install Job ran to completion (helm waits for it, then deletes it): its topics are in Kafka.
    const topics = await kubectl(
      'exec',
      '-n',
      DEPS_NS,
      'deploy/kafka',
      '--',
      '/opt/kafka/bin/kafka-topics.sh',
      '--bootstrap-server',
      'localhost:9092',
      '--describe',
      '--topic',
      'conv.raw',
    );
    expect(topics.split('\n').filter((l) => l.includes('Partition: ')).length).toBe(12);
    const list = (
      await kubectl(
        'exec',
        '-n',
        DEPS_NS,
        'deploy/kafka',
        '--',
        '/opt/kafka/bin/kafka-topics.sh',
        '--bootstrap-server',
        'localhost:9092',
        '--list',
      )
    ).split('\n');
    expect(list).toEqual(
      expect.arrayContaining(['conv.raw', 'conv.classified', 'conv.status', 'bot.outbound', 'conv.raw.dlq']),
    );
    ingressUrl = await serviceUrl('ingress', 8080);
  }, 900_000);

  it('runs the pods as the chart renders them: non-root, read-only root filesystem, the probes', async () => {
    const rendered = await helm('get', 'manifest', RELEASE);
    for (const name of SERVICES) {
      const [pod] = await readyPods(name);
      expect(pod).toBeDefined();
      expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 });
      const [container] = pod.spec.containers;
      expect(container.image).toBe('switchboard:local');
      expect(container.imagePullPolicy).toBe('Never');
      expect(container.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
      expect(container.startupProbe?.httpGet?.path).toBe('/healthz');
      // Inside the running container: the uid, and the root filesystem refusing a write (/tmp is the emptyDir).
      const inside = await kubectl(
        'exec',
        '-n',
        NS,
        pod.metadata.name,
        '-c',
        name,
        '--',
        'node',
        '-e',
        `const fs=require('fs');let root='written';try{fs.writeFileSync('/app/probe','x')}catch(e){root=e.code}fs.writeFileSync('/tmp/probe','x');console.log(JSON.stringify({uid:process.getuid(),gid:process.getgid(),root,node:process.versions.node.split('.')[0]}))`,
      );
      expect(JSON.parse(inside)).toEqual({ uid: 1000, gid: 1000, root: 'EROFS', node: '24' });
    }
    // NetworkPolicy: whatever the chart renders exists in the cluster (nothing here enforces one: the bridge CNI
    // does not implement NetworkPolicy).
    const renderedPolicies = rendered.split('\n').filter((l) => l.trim() === 'kind: NetworkPolicy').length;
    const live = (await json<{ items: unknown[] }>('get', 'networkpolicies', '-n', NS)).items.length;
    expect(live).toBe(renderedPolicies);
  }, 300_000);

  it('turns events posted through the ingress Service into exactly one root and one task per conversation', async () => {
    const stream = streamEvents(ingressUrl, 'k8s-a');
    await new Promise((r) => setTimeout(r, 3000));
    await expectExactlyOnce(await stream.stop());
  }, 600_000);

  it('scales the ticketer and the notifier to 3 during a stream: new pods Ready, consumers rebalanced, nothing doubled', async () => {
    const stream = streamEvents(ingressUrl, 'k8s-b');
    await helm(
      'upgrade',
      RELEASE,
      join(ROOT, 'charts', 'switchboard'),
      '-f',
      valuesFile,
      '--set',
      'services.ticketer.replicas=3',
      '--set',
      'services.notifier.replicas=3',
      '--wait',
      '--timeout',
      '10m',
    );
    const ids = await stream.stop();
    await expectDeploymentsReady({ ...initial, ticketer: 3, notifier: 3 });
    for (const name of ['ticketer', 'notifier']) {
      await eventually(
        attempt(() => groupMembers(`${FULLNAME}-${name}`)),
        (n) => n === 3,
        120_000,
        `three members in the ${name}'s consumer group`,
      );
    }
    await expectExactlyOnce(ids);
  }, 1_200_000);

  it('rolls every Deployment on a changed config value during a stream, losing and doubling nothing', async () => {
    const before = new Map<string, string[]>();
    for (const name of SERVICES)
      before.set(
        name,
        (await podsOf(name)).map((p) => p.metadata.name),
      );
    const stream = streamEvents(ingressUrl, 'k8s-c');
    await helm(
      'upgrade',
      RELEASE,
      join(ROOT, 'charts', 'switchboard'),
      '-f',
      valuesFile,
      '--set',
      'services.ticketer.replicas=3',
      '--set',
      'services.notifier.replicas=3',
      '--set',
      'logLevel=debug',
      '--wait',
      '--timeout',
      '10m',
    );
    const ids = await stream.stop();
    await expectDeploymentsReady({ ...initial, ticketer: 3, notifier: 3 });
    for (const name of SERVICES) {
      const now = (await readyPods(name)).map((p) => p.metadata.name);
      expect({ name, kept: now.filter((p) => before.get(name)!.includes(p)) }).toEqual({ name, kept: [] });
    }
    const env = await kubectl('get', 'configmap', '-n', NS, `${FULLNAME}-env`, '-o', 'jsonpath={.data.LOG_LEVEL}');
    expect(env).toBe('debug');
    await expectExactlyOnce(ids);
  }, 1_200_000);

  it('uninstalls without leaving anything behind', async () => {
    await helm('uninstall', RELEASE, '--wait', '--timeout', '180s');
    const left = async () =>
      (
        await kubectl(
          'get',
          'all,configmaps,secrets,serviceaccounts,poddisruptionbudgets,networkpolicies,jobs,ingresses,horizontalpodautoscalers',
          '-n',
          NS,
          '-o',
          'name',
        )
      )
        .split('\n')
        .filter((line) => line && line !== 'configmap/kube-root-ca.crt' && line !== 'serviceaccount/default');
    const remaining = await eventually(left, (l) => l.length === 0, 120_000, 'an empty namespace');
    expect(remaining).toEqual([]);
  }, 300_000);
});
