// The status service: keeps transcripts; (operator actions, console and takeover build on this).
import { Topics } from '@switchboard/bus';
import { Runtime } from '@switchboard/runtime';
import { readStatusConfig } from './config';
import { transcriptRecorder } from './record';
import { TranscriptStore } from './transcript';

async function main(): Promise<void> {
  const config = readStatusConfig(process.env);
  const runtime = new Runtime({ service: 'status', config, httpPort: config.port });
  const transcripts = new TranscriptStore(runtime.redis, runtime.keys, config.transcriptMaxEntries, config.transcriptRetentionDays * 86400);
  runtime.consume({ groupId: config.groupId, topic: Topics.classified, handler: transcriptRecorder(transcripts, runtime.metrics) });
  await runtime.start();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
