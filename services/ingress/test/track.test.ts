import { trackToEvent } from '../src/track';
import { BadRequest } from '../src/validate';

describe('trackToEvent (Dashbot compatibility)', () => {
  it('maps an incoming message onto a user event', () => {
    const event = trackToEvent(
      { platform: 'slack', type: 'incoming', apiKey: 'k' },
      {
        text: 'I want a refund',
        userId: 'U1',
        conversationId: 'D42',
        intent: { name: 'refund', inputs: [] },
        platformJson: { team_id: 'T9', team_name: 'Acme' },
        platformUserJson: { firstName: 'Ann', lastName: 'Lee' },
      },
    );
    expect(event).toEqual({
      conversation_id: 'D42',
      platform: 'slack',
      user: { id: 'U1', name: 'Ann Lee' },
      team: { id: 'T9', name: 'Acme' },
      direction: 'user',
      text: 'I want a refund',
      intent: 'refund',
      metadata: { platformJson: '{"team_id":"T9","team_name":"Acme"}' },
    });
  });

  it('maps an outgoing message onto a bot event, the user id standing for the conversation', () => {
    expect(trackToEvent({ platform: 'universal', type: 'outgoing' }, { text: 'Hello!', userId: 'U1' })).toMatchObject({
      conversation_id: 'U1',
      platform: 'universal',
      direction: 'bot',
      text: 'Hello!',
    });
  });

  it.each([
    [{ type: 'sideways' }, { userId: 'U1' }, 'type must be incoming or outgoing'],
    [{ type: 'incoming' }, { text: 'x' }, 'userId is required'],
    [{ type: 'incoming' }, [], 'body must be a JSON object'],
    [{ type: 'incoming' }, { userId: 'U1', text: 5 }, 'text must be a string'],
  ])('refuses %j %j', (query, body, message) => {
    expect(() => trackToEvent(query, body)).toThrow(BadRequest);
    expect(() => trackToEvent(query, body)).toThrow(message);
  });
});
