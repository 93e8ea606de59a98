// Runs the example bot against a running Switchboard (`npm run stack`): a webhook receiver for operator
// messages, and a terminal where each line you type is a user's message in one conversation (`/human`
// asks for a person: the bot hands off and waits).
//   BOT_WEBHOOK_SECRET=... INGRESS_URL=http://localhost:8080 BOT_API_KEY=... npm run example:bot
import { createInterface } from 'node:readline';
import { ExampleBot } from './bot';

async function main(): Promise<void> {
  const secret = process.env.BOT_WEBHOOK_SECRET;
  const apiKey = process.env.BOT_API_KEY;
  if (!secret || !apiKey)
    throw new Error(
      'set BOT_WEBHOOK_SECRET (as given to the status service) and BOT_API_KEY (an ingress API key token)',
    );
  const bot = new ExampleBot({
    ingressUrl: process.env.INGRESS_URL ?? 'http://localhost:8080',
    apiKey,
    webhookSecret: secret,
    port: Number(process.env.BOT_PORT ?? 8095),
    host: process.env.BOT_HOST ?? '127.0.0.1',
  });
  const url = await bot.start();
  const conversationId = process.env.CONVERSATION_ID ?? `example-${Date.now()}`;
  console.log(
    `operator messages arrive at ${url} (BOT_WEBHOOK_URL); conversation ${conversationId}: type as the user (/human asks for a person), Ctrl-D to stop`,
  );
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim())
      await bot.userSays(
        {
          conversationId,
          user: { id: 'example-user', name: 'Example User' },
          team: { id: 'T-EXAMPLE', name: 'Example team' },
        },
        line.trim(),
      );
  }
  await bot.stop();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
