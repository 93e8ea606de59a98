// `node services/status/dist/rebuild-timelines.js --yes`: rebuilds every conversation's triage timeline
// from conv.classified, conv.status and bot.outbound (see conversation/timeline-rebuild.ts and
// docs/operations.md). Reads the status service's own settings (Kafka, Redis, prefixes), once, here.
import { commonSpec, createLogger, env, readConfig } from '@switchboard/core';
import { TopicNames, createKafka } from '@switchboard/bus';
import { connectRedis, createRedis } from '@switchboard/store';
import { rebuildTimelines } from './conversation/timeline-rebuild';
import { TimelineStore } from './conversation/timeline-store';
import { statusKeys } from './status-keys';

async function main(argv: string[]): Promise<number> {
  if (!argv.includes('--yes')) {
    console.error(
      'usage: rebuild-timelines --yes\nDeletes every triage timeline (REDIS_KEY_PREFIX) and rebuilds it from the topics (KAFKA_TOPIC_PREFIX); the status service may keep running.',
    );
    return 2;
  }
  const config = readConfig(
    { ...commonSpec, transcriptRetentionDays: env.int('TRANSCRIPT_RETENTION_DAYS', 30, { min: 1 }) },
    process.env,
  );
  const logger = createLogger({ service: 'timeline-rebuild', level: config.logLevel });
  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: `${config.kafkaClientId}-timeline-rebuild`,
    logger,
    security: config.kafkaSecurity,
  });
  const redis = createRedis(config.redisUrl, logger);
  await connectRedis(redis, logger);
  try {
    const keys = statusKeys(config.redisKeyPrefix);
    const store = new TimelineStore(redis, keys, config.transcriptRetentionDays * 86400);
    const result = await rebuildTimelines({
      kafka,
      names: new TopicNames(config.topicPrefix),
      redis,
      keys,
      store,
      logger,
    });
    console.log(JSON.stringify(result));
    return 0;
  } finally {
    redis.disconnect();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
