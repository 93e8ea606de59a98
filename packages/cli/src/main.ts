#!/usr/bin/env node
// `switchboard` — operator commands.
//   switchboard dlq list <topic> [--limit N]
//   switchboard dlq replay <topic> [--limit N] [--dry-run]
//   switchboard hash-password            (reads the password from stdin; prints the hash for CONSOLE_OPERATORS)
//   switchboard timeline rebuild --yes   (the triage timelines again from the topics; see docs/operations.md)
// <topic> is a topic's deployed name (with KAFKA_TOPIC_PREFIX), e.g. conv.classified; ".dlq" is implied.
import { commonSpec, createLogger, hashPassword, readConfig } from '@switchboard/core';
import { createKafka } from '@switchboard/bus';
import { listDeadLetters, replayDeadLetters } from './dlq';
import { runTimelineRebuild } from './timeline';

const USAGE = `usage:
  switchboard dlq list <topic> [--limit N]
  switchboard dlq replay <topic> [--limit N] [--dry-run]
  switchboard hash-password    (password on stdin, e.g. read -s p; echo "$p" | switchboard hash-password)
  switchboard timeline rebuild --yes    (deletes the triage timelines and rebuilds them from the topics; with
                                         the status service's KAFKA_*, REDIS_URL, REDIS_KEY_PREFIX, KAFKA_TOPIC_PREFIX)
Kafka is found through KAFKA_BROKERS (default localhost:9092); a secured one through KAFKA_SSL, KAFKA_SSL_CA_FILE,
KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or _FILE), as for the services.`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const [area, command, topic, ...rest] = argv;
  if (area === 'hash-password') return printPasswordHash();
  if (area === 'timeline' && command === 'rebuild') return runTimelineRebuild(argv.slice(2), process.env);
  if (area !== 'dlq' || !['list', 'replay'].includes(command ?? '') || !topic) {
    console.error(USAGE);
    return 2;
  }
  const limitText = option(rest, '--limit');
  const limit = limitText === undefined ? undefined : Number(limitText);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    console.error(`--limit must be a whole number above 0, got "${limitText}"`);
    return 2;
  }
  const config = readConfig(
    { kafkaBrokers: commonSpec.kafkaBrokers, kafkaSecurity: commonSpec.kafkaSecurity, logLevel: commonSpec.logLevel },
    process.env,
  );
  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: 'switchboard-cli',
    logger: createLogger({ service: 'cli', level: 'error' }),
    security: config.kafkaSecurity,
  });
  if (command === 'list') {
    const letters = await listDeadLetters(kafka, topic, limit);
    for (const l of letters) console.log(JSON.stringify(l));
    console.error(`${letters.length} message(s) in ${topic}.dlq`);
    return 0;
  }
  const result = await replayDeadLetters(kafka, topic, { limit, dryRun: rest.includes('--dry-run') });
  console.error(
    `${rest.includes('--dry-run') ? 'would replay' : 'replayed'} ${result.replayed} message(s) from ${topic}.dlq`,
  );
  return 0;
}

/** The scrypt hash of the first line on stdin (never an argument: it would stay in the shell history). */
async function printPasswordHash(): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
  if (password.length < 8) {
    console.error('give a password of at least 8 characters on stdin');
    return 2;
  }
  console.log(await hashPassword(password));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
