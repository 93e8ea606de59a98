// The classifier service: reads its config, builds the rules and the conversation tracker, consumes conv.raw.
import { Topics } from '@switchboard/bus';
import { Runtime } from '@switchboard/runtime';
import { readClassifierConfig } from './config';
import { redisConversationTracker } from './conversation';
import { classifierBatchHandler, classifierHandler } from './handler';
import { RulesSource } from './rules-source';

async function main(): Promise<void> {
  const config = readClassifierConfig(process.env);
  const runtime = new Runtime({ service: 'classifier', config, httpPort: config.port });
  const rules = new RulesSource(config.rulesFile, runtime.logger, runtime.metrics);
  rules.load();
  rules.watch(config.rulesPollSeconds * 1000);
  runtime.onClose('rules', () => rules.stop());
  const tracker = redisConversationTracker(runtime.redis, runtime.keys, config.resumeAfterMinutes * 60 * 1000);
  const deps = { rules: () => rules.current(), tracker, publisher: runtime.publisher, metrics: runtime.metrics };
  runtime.consume({
    groupId: config.groupId,
    topic: Topics.raw,
    handler: classifierHandler(deps),
    batchHandler: classifierBatchHandler(deps),
  });
  await runtime.start();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
