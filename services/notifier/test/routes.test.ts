import { Priority } from '@switchboard/proto';
import { ConfigError } from '@switchboard/core';
import { allChannels, channelFor } from '../src/routes';
import { parseRoutes } from '../src/route-setting';
import { readNotifierConfig } from '../src/config';

describe('NOTIFIER_ROUTES', () => {
  it.each([
    ['', []],
    ['priority:urgent=#urgent', [{ field: 'priority', value: 'urgent', channel: '#urgent' }]],
    [
      ' priority:URGENT = #urgent , team:T123=#acme,platform:web=C0123ABCD ',
      [
        { field: 'priority', value: 'urgent', channel: '#urgent' },
        { field: 'team', value: 'T123', channel: '#acme' },
        { field: 'platform', value: 'web', channel: 'C0123ABCD' },
      ],
    ],
    [
      '{"priority:high": "#high", "team:T9": "acme-triage"}',
      [
        { field: 'priority', value: 'high', channel: '#high' },
        { field: 'team', value: 'T9', channel: 'acme-triage' },
      ],
    ],
  ])('parses %j', (text, routes) => {
    expect(parseRoutes(text)).toEqual(routes);
  });

  it.each([
    ['priority:urgent', 'entry 1 ("priority:urgent"): expected field:value=#channel'],
    ['user:U1=#x', 'entry 1 ("user:U1=#x"): "user:U1" is not priority:<level>, team:<id> or platform:<name>'],
    [
      'team:T1=#ok,priority:critical=#x',
      'entry 2 ("priority:critical=#x"): priority "critical" is not one of low, normal, high, urgent',
    ],
    ['team:=#x', 'entry 1 ("team:=#x"): "team:" has no value after the colon'],
    [
      'team:T1=#Not A Channel',
      'entry 1 ("team:T1=#Not A Channel"): "#Not A Channel" is not a channel name (#name) or id (C…)',
    ],
    ['{"team:T1": 5}', 'entry 1 ("team:T1"): the channel must be a string'],
    ['{"team:T1": ', 'not valid JSON'],
  ])('refuses %j, saying what is wrong', (text, message) => {
    expect(() => parseRoutes(text)).toThrow(ConfigError);
    expect(() => parseRoutes(text)).toThrow(message);
  });

  it('stops the notifier at start with a ConfigError naming the variable', () => {
    const env = { SLACK_BOT_TOKEN: 'xoxb', NOTIFIER_ROUTES: 'vip=#x' };
    expect(() => readNotifierConfig(env)).toThrow(/^NOTIFIER_ROUTES: entry 1/);
    expect(() => readNotifierConfig({ SLACK_BOT_TOKEN: 'xoxb', SLACK_TRIAGE_CHANNEL: 'has space' })).toThrow(
      /^SLACK_TRIAGE_CHANNEL: /,
    );
    expect(readNotifierConfig({ SLACK_BOT_TOKEN: 'xoxb' }).routes).toEqual([]);
  });
});

describe('channelFor', () => {
  const routes = parseRoutes('team:T1=#acme,priority:urgent=#urgent,platform:web=#web');
  it.each([
    ['no route matches', { priority: Priority.NORMAL, teamId: 'T2', platform: 'slack' }, '#triage'],
    ['the team matches', { priority: Priority.NORMAL, teamId: 'T1', platform: 'slack' }, '#acme'],
    ['the first match wins', { priority: Priority.URGENT, teamId: 'T1', platform: 'web' }, '#acme'],
    ['the priority matches', { priority: Priority.URGENT, teamId: 'T2', platform: 'web' }, '#urgent'],
    ['the platform matches, whatever its case', { priority: Priority.HIGH, teamId: 'T2', platform: 'Web' }, '#web'],
  ])('when %s', (_name, subject, channel) => {
    expect(channelFor(routes, '#triage', subject)).toBe(channel);
  });

  it('lists every channel once', () => {
    expect(allChannels([...routes, ...parseRoutes('team:T3=#acme')], '#triage')).toEqual([
      '#triage',
      '#acme',
      '#urgent',
      '#web',
    ]);
  });
});
