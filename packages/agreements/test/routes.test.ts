// The routes both the notifier and the status service read: the channel choice by level name (the status
// service's view of a conversation), a handoff's team first, and channel spellings that name the same channel.
import { parseRoutes, routeChannel, sameChannel } from '../src';

describe('routeChannel', () => {
  const routes = parseRoutes('team:T1=#acme,priority:urgent=#urgent,team:legal=#legal');
  it.each([
    ['no route matches', { priority: 'normal', teamId: 'T2', platform: 'slack' }, '#triage'],
    ['the priority matches, whatever its case', { priority: 'URGENT', teamId: 'T2', platform: 'web' }, '#urgent'],
    ['the first match wins', { priority: 'urgent', teamId: 'T1', platform: 'web' }, '#acme'],
    [
      'a handoff names a team route',
      { priority: 'urgent', teamId: 'T1', platform: 'web', handoffTeam: 'legal' },
      '#legal',
    ],
    [
      'a handoff names no route',
      { priority: 'normal', teamId: 'T2', platform: 'web', handoffTeam: 'nobody' },
      '#triage',
    ],
  ])('when %s', (_name, subject, channel) => {
    expect(routeChannel(routes, '#triage', subject)).toBe(channel);
  });
});

describe('sameChannel', () => {
  it.each([
    ['#urgent', 'urgent', true],
    ['#urgent', '#urgent', true],
    ['C0123ABCD', 'C0123ABCD', true],
    ['#urgent', '#urgent-2', false],
    ['C0123ABCD', '#c0123abcd', false],
  ])('%s and %s: %s', (a, b, same) => {
    expect(sameChannel(a, b)).toBe(same);
    expect(sameChannel(b, a)).toBe(same);
  });
});
