import { Writable } from 'node:stream';
import { createLogger, eventLogger } from '../src/logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, destination };
}

describe('logger', () => {
  it('puts conversation_id and event_id on every line of an event logger', () => {
    const { lines, destination } = capture();
    const log = eventLogger(createLogger({ service: 'test', destination }), { conversationId: 'c1', eventId: 'e1' });
    log.info('handled');
    expect(lines[0]).toMatchObject({
      service: 'test',
      level: 'info',
      msg: 'handled',
      conversation_id: 'c1',
      event_id: 'e1',
    });
  });

  it('never writes a token, password or authorization header', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'test', destination });
    log.info(
      { token: 'xoxb-secret', config: { slack: { token: 'xoxb-2' } }, req: { headers: { authorization: 'Bearer k' } } },
      'config',
    );
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain('xoxb-secret');
    expect(text).not.toContain('xoxb-2');
    expect(text).not.toContain('Bearer k');
  });
});
