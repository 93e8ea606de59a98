// A real Kafka of a test's own with secured listeners, from the cached jars on free ports: SASL_SSL and
// SASL_PLAINTEXT (PLAIN, SCRAM-SHA-256/512; SCRAM users created at format time) and SSL with client certificates
// required. Certificates are made with openssl in a temporary directory; remove() stops the JVM and deletes it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, freePort } from './services';

export const SCRAM_USER = { username: 'switchboard', password: 'scram-secret-0123456789' };
export const PLAIN_USER = { username: 'plain-user', password: 'plain-secret-0123456789' };

export interface SecureKafkaFiles {
  /** The CA that signed the broker's and the client's certificates. */
  ca: string;
  /** A CA that signed nothing the broker shows. */
  otherCa: string;
  clientCert: string;
  clientKey: string;
}

function run(command: string, args: string[], cwd?: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** A CA, a broker certificate for 127.0.0.1, a client certificate, and an unrelated CA. */
function makeCertificates(dir: string): SecureKafkaFiles & { brokerKeystore: string } {
  const openssl = (...args: string[]) => run('openssl', args, dir);
  const ca = (name: string) =>
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    );
  const signed = (name: string, subject: string, extensions: string) => {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  };
  ca('ca');
  ca('other-ca');
  signed('broker', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  signed('client', '/CN=switchboard-client', 'extendedKeyUsage=clientAuth\n');
  // Kafka reads a PEM keystore: the (PKCS#8, unencrypted) key followed by the certificate.
  const brokerKeystore = join(dir, 'broker-keystore.pem');
  writeFileSync(
    brokerKeystore,
    readFileSync(join(dir, 'broker.key'), 'utf8') + readFileSync(join(dir, 'broker.pem'), 'utf8'),
  );
  return {
    ca: join(dir, 'ca.pem'),
    otherCa: join(dir, 'other-ca.pem'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    brokerKeystore,
  };
}

export class SecureKafka {
  private process?: ChildProcess;
  readonly dir = mkdtempSync(join(tmpdir(), 'switchboard-secure-kafka-'));
  files!: SecureKafkaFiles;
  ports!: { saslSsl: number; saslPlaintext: number; mtls: number; internal: number; controller: number };

  /** SASL over TLS. */
  get saslSslBroker(): string {
    return `127.0.0.1:${this.ports.saslSsl}`;
  }
  /** SASL without TLS. */
  get saslPlaintextBroker(): string {
    return `127.0.0.1:${this.ports.saslPlaintext}`;
  }
  /** TLS with a client certificate required, no SASL. */
  get mtlsBroker(): string {
    return `127.0.0.1:${this.ports.mtls}`;
  }

  async start(timeoutMs = 120000): Promise<void> {
    const jars = run('bash', [join(ROOT, 'scripts/infra/kafka.sh'), 'jars']).trim();
    const { brokerKeystore, ...files } = makeCertificates(this.dir);
    this.files = files;
    this.ports = {
      saslSsl: await freePort(),
      saslPlaintext: await freePort(),
      mtls: await freePort(),
      internal: await freePort(),
      controller: await freePort(),
    };
    const config = join(this.dir, 'server.properties');
    const scramJaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
    const plainJaas = `org.apache.kafka.common.security.plain.PlainLoginModule required user_${PLAIN_USER.username}="${PLAIN_USER.password}";`;
    const saslListener = (name: string) =>
      [
        `listener.name.${name}.scram-sha-256.sasl.jaas.config=${scramJaas}`,
        `listener.name.${name}.scram-sha-512.sasl.jaas.config=${scramJaas}`,
        `listener.name.${name}.plain.sasl.jaas.config=${plainJaas}`,
      ].join('\n');
    const { saslSsl, saslPlaintext, mtls, internal, controller } = this.ports;
    writeFileSync(
      config,
      `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controller}
listeners=INTERNAL://127.0.0.1:${internal},SASLSSL://127.0.0.1:${saslSsl},SASLPLAIN://127.0.0.1:${saslPlaintext},MTLS://127.0.0.1:${mtls},CONTROLLER://127.0.0.1:${controller}
advertised.listeners=INTERNAL://127.0.0.1:${internal},SASLSSL://127.0.0.1:${saslSsl},SASLPLAIN://127.0.0.1:${saslPlaintext},MTLS://127.0.0.1:${mtls}
listener.security.protocol.map=INTERNAL:PLAINTEXT,SASLSSL:SASL_SSL,SASLPLAIN:SASL_PLAINTEXT,MTLS:SSL,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=INTERNAL
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
${saslListener('saslssl')}
${saslListener('saslplain')}
ssl.keystore.type=PEM
ssl.keystore.location=${brokerKeystore}
ssl.truststore.type=PEM
ssl.truststore.location=${files.ca}
listener.name.mtls.ssl.client.auth=required
log.dirs=${join(this.dir, 'data')}
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
`,
    );
    const java = (...args: string[]) => [
      '-Xms64m',
      '-Xmx384m',
      `-Dkafka.logs.dir=${join(this.dir, 'logs')}`,
      `-Dlog4j2.configurationFile=${join(ROOT, 'scripts/infra/kafka/log4j2.properties')}`,
      '-cp',
      `${jars}/*`,
      ...args,
    ];
    const clusterId = run('java', java('kafka.tools.StorageTool', 'random-uuid')).trim().split('\n').pop()!;
    run(
      'java',
      java(
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        config,
        '--add-scram',
        `SCRAM-SHA-256=[name=${SCRAM_USER.username},password=${SCRAM_USER.password}]`,
        '--add-scram',
        `SCRAM-SHA-512=[name=${SCRAM_USER.username},password=${SCRAM_USER.password}]`,
      ),
    );
    this.process = spawn('java', java('kafka.Kafka', config), { stdio: 'ignore' });
    const log = join(this.dir, 'logs', 'server.log');
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (this.process.exitCode !== null)
        throw new Error(`Kafka exited during start-up (${this.process.exitCode}); see ${log}`);
      if (existsSync(log) && readFileSync(log, 'utf8').includes('Kafka Server started')) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`Kafka did not start within ${timeoutMs} ms; see ${log}`);
  }

  /** Stops the broker and deletes its data and certificates. */
  async remove(): Promise<void> {
    const child = this.process;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 20000);
      await exited;
      clearTimeout(kill);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
