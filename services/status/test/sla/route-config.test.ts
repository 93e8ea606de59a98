// The status service reads the notifier's routes and triage channel (for SLA policies matching `route`) with
// the same grammar, and refuses a bad value at start naming the variable, as the notifier does.
import { readStatusConfig } from '../../src/config';

const KEYS = { INGRESS_API_KEYS: 'bot:key-0123456789abcdef' };

describe('the routes the status service reads', () => {
  it('reads NOTIFIER_ROUTES and SLACK_TRIAGE_CHANNEL, with the notifier defaults when unset', () => {
    const config = readStatusConfig({
      ...KEYS,
      NOTIFIER_ROUTES: 'priority:urgent=#urgent',
      SLACK_TRIAGE_CHANNEL: 'C0TRIAGE1',
    });
    expect(config.notifierRoutes).toEqual([{ field: 'priority', value: 'urgent', channel: '#urgent' }]);
    expect(config.triageChannel).toBe('C0TRIAGE1');
    const defaults = readStatusConfig(KEYS);
    expect(defaults.notifierRoutes).toEqual([]);
    expect(defaults.triageChannel).toBe('#triage');
  });

  it('refuses a bad route or channel, naming the variable and the entry', () => {
    expect(() => readStatusConfig({ NOTIFIER_ROUTES: 'team:T1=#ok,vip=#x' })).toThrow(
      /^NOTIFIER_ROUTES: entry 2 \("vip=#x"\): "vip" is not priority:<level>/,
    );
    expect(() => readStatusConfig({ SLACK_TRIAGE_CHANNEL: 'has space' })).toThrow(
      'SLACK_TRIAGE_CHANNEL: "has space" is not a channel name',
    );
  });
});
