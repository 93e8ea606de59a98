// The classifier service: reads its config, builds the rules and the conversation tracker, consumes conv.raw.
import { Topics } from '@switchboard/bus';
import { Runtime } from '@switchboard/runtime';
import { readClassifierConfig } from './config';
import { redisConversationTracker } from './conversation';
import { classifierHandler } from './handler';
import { defaultRules } from './rules';

async function main(): Promise<void> {
  const config = readClassifierConfig(process.env);
  const runtime = new Runtime({ service: 'classifier', config, httpPort: config.port });
  const tracker = redisConversationTracker(runtime.redis, runtime.keys, config.resumeAfterMinutes * 60 * 1000);
  runtime.consume({
    groupId: config.groupId,
    topic: Topics.raw,
    handler: classifierHandler({ rules: () => defaultRules, tracker, publisher: runtime.publisher, metrics: runtime.metrics }),
  });
  await runtime.start();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
