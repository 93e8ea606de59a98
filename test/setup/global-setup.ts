// jest globalSetup: make sure a real Kafka and a real Redis exist for the whole run, and hand their addresses
// to the test workers through process.env.KAFKA_BROKERS / REDIS_URL (workers are forked after this and inherit it).
//
// Where they come from, in order:
//   1. KAFKA_BROKERS / REDIS_URL already set (CI, `npm run stack`, a developer's own): used as they are.
//   2. A Docker engine that answers and has the images: testcontainers (apache/kafka:4.1.2 and redis:7, built
//      locally by `npm run images` where no registry is reachable; never pulled here), removed by globalTeardown.
//      Ryuk is off unless TESTCONTAINERS_RYUK_DISABLED says otherwise (its image cannot be pulled offline).
//   3. Otherwise scripts/infra.sh up: Kafka from Maven Central jars on the JDK and Debian's redis-server, reused
//      from earlier runs and left running afterwards (set SWITCHBOARD_TEST_STOP_INFRA=1 to stop what this run
//      started). SWITCHBOARD_TEST_INFRA=scripts skips the Docker check.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { StartedTestContainer } from 'testcontainers';

const ROOT = join(__dirname, '..', '..');
const INFRA_SCRIPT = join(ROOT, 'scripts', 'infra.sh');
const KAFKA_IMAGE = 'apache/kafka:4.1.2';
const REDIS_IMAGE = 'redis:7';

/** What globalSetup started, for globalTeardown (jest runs both in the same process, sharing globalThis). */
export interface SwitchboardTestInfra {
  containers: StartedTestContainer[];
  /** scripts/infra.sh started Kafka or Redis that were not running before this run. */
  scriptsStartedSomething: boolean;
}

declare global {
  var __SWITCHBOARD_TEST_INFRA__: SwitchboardTestInfra | undefined;
}

export default async function globalSetup(): Promise<void> {
  const state: SwitchboardTestInfra = { containers: [], scriptsStartedSomething: false };
  globalThis.__SWITCHBOARD_TEST_INFRA__ = state;

  const given = { kafka: process.env.KAFKA_BROKERS, redis: process.env.REDIS_URL };
  let source: string;
  if (given.kafka && given.redis) {
    source = 'from KAFKA_BROKERS / REDIS_URL';
  } else if (process.env.SWITCHBOARD_TEST_INFRA !== 'scripts' && dockerAnswers() && imagesPresent()) {
    process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
    await startContainers(state, { kafka: !given.kafka, redis: !given.redis });
    source = 'from testcontainers';
  } else {
    startWithScripts(state);
    source = 'from scripts/infra.sh';
  }
  const origin = (name: 'kafka' | 'redis') => (given[name] ? 'given' : source.replace(/^from /, ''));
  process.stderr.write(
    `\n[global-setup] Kafka ${process.env.KAFKA_BROKERS} (${origin('kafka')}), Redis ${process.env.REDIS_URL} (${origin('redis')})\n`,
  );
}

/** Cheap: a Docker socket (or DOCKER_HOST) and `docker info` answering within a few seconds. */
function dockerAnswers(): boolean {
  if (!process.env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return false;
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 5000 });
  return info.status === 0;
}

/** The images must be there already (no registry to pull from): else say so and use the scripts. */
function imagesPresent(): boolean {
  const missing = [KAFKA_IMAGE, REDIS_IMAGE].filter(
    (image) => spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore', timeout: 5000 }).status !== 0,
  );
  if (missing.length === 0) return true;
  process.stderr.write(
    `\n[global-setup] Docker answers but ${missing.join(' and ')} not built (npm run images): using scripts/infra.sh\n`,
  );
  return false;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function startContainers(state: SwitchboardTestInfra, want: { kafka: boolean; redis: boolean }): Promise<void> {
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import('testcontainers');
  const starting: Promise<void>[] = [];
  if (want.kafka) {
    starting.push(
      (async () => {
        // Kafka must advertise an address the host can reach, known before it starts: bind the same free port
        // inside and outside the container.
        const port = await freePort();
        const { host } = (await getContainerRuntimeClient()).info.containerRuntime;
        const kafka = await new GenericContainer(KAFKA_IMAGE)
          .withExposedPorts({ container: port, host: port })
          .withEnvironment({
            KAFKA_NODE_ID: '1',
            KAFKA_PROCESS_ROLES: 'broker,controller',
            KAFKA_LISTENERS: `PLAINTEXT://:${port},CONTROLLER://:9093`,
            KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${port}`,
            KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
            KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
            KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
            KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
            KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
            KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
            KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
            KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
            KAFKA_MIN_INSYNC_REPLICAS: '1',
            KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
            KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
            KAFKA_NUM_PARTITIONS: '12',
            // One run makes thousands of partitions (every suite has topics of its own); 512 MB ran out at ~16,000.
            KAFKA_HEAP_OPTS: '-Xms256m -Xmx1536m',
          })
          .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
          .withStartupTimeout(120_000)
          .start();
        state.containers.push(kafka);
        process.env.KAFKA_BROKERS = `${host}:${port}`;
      })(),
    );
  }
  if (want.redis) {
    starting.push(
      (async () => {
        const redis = await new GenericContainer(REDIS_IMAGE)
          .withExposedPorts(6379)
          .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
          .start();
        state.containers.push(redis);
        process.env.REDIS_URL = `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
      })(),
    );
  }
  await Promise.all(starting);
}

function startWithScripts(state: SwitchboardTestInfra): void {
  const run = (command: 'up' | 'status') =>
    spawnSync('bash', [INFRA_SCRIPT, command], {
      cwd: ROOT,
      env: process.env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', command === 'up' ? 'inherit' : 'ignore'],
    });
  state.scriptsStartedSomething = run('status').status !== 0;
  const up = run('up');
  if (up.status !== 0) {
    throw new Error(`scripts/infra.sh up failed (exit ${up.status ?? up.signal}); its messages are above`);
  }
  // The last lines of its stdout are KAFKA_BROKERS=… and REDIS_URL=….
  for (const line of up.stdout.trim().split('\n')) {
    const match = /^(KAFKA_BROKERS|REDIS_URL)=(.+)$/.exec(line.trim());
    if (match) process.env[match[1]] = match[2];
  }
  if (!process.env.KAFKA_BROKERS || !process.env.REDIS_URL) {
    throw new Error(`scripts/infra.sh up did not print KAFKA_BROKERS and REDIS_URL:\n${up.stdout}`);
  }
}
