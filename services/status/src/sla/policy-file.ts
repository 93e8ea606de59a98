// The SLA policy file (YAML, SLA_POLICY_FILE) → SlaPolicies. Pure: text in, policies or a PolicyFileError
// out, every problem with its file:line:column, so a person fixes the file from the message alone.
import { isChannel } from '@switchboard/agreements';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node, type YAMLMap } from 'yaml';
import { isTimeZone, WEEKDAYS, type BusinessHours, type Weekday } from './business-hours';
import { parseDuration } from './duration';
import { noPolicies, type EscalationLevel, type SlaPolicies, type SlaPolicy } from './policy';

export class PolicyFileError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid SLA policy file:\n  ${problems.join('\n  ')}`);
    this.name = 'PolicyFileError';
  }
}

const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const TOP_LEVEL = new Set(['policies', 'business_hours']);
const POLICY_FIELDS = new Set([
  'name',
  'match',
  'review_within',
  'reply_within',
  'repeat_every',
  'max_repeat_every',
  'escalate',
]);
const MATCH_FIELDS = new Set(['priority', 'team_id', 'route']);
const LEVEL_FIELDS = new Set(['after', 'mention', 'broadcast', 'channel', 'webhook']);
/** What Slack renders as a mention: a user, a user group, or @here / @channel. Anything else would show as text. */
export const SLACK_MENTION = /^<(@[UW][A-Z0-9]{2,}|!subteam\^S[A-Z0-9]{2,}|!here|!channel)>$/;
const HOURS_FIELDS = new Set(['time_zone', 'days', 'hours']);

export function parsePolicyFile(text: string, source = 'sla-policy'): SlaPolicies {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const problems: string[] = [];
  const at = (node: unknown) => {
    const offset = (node as Node | null | undefined)?.range?.[0];
    if (offset === undefined) return source;
    const { line, col } = lineCounter.linePos(offset);
    return `${source}:${line}:${col}`;
  };
  for (const error of doc.errors) {
    const pos = error.linePos?.[0];
    problems.push(`${source}:${pos?.line ?? '?'}:${pos?.col ?? '?'}: ${error.message.split('\n')[0]}`);
  }
  if (problems.length > 0) throw new PolicyFileError(problems);

  const root = doc.contents;
  if (root === null) return noPolicies;
  if (!isMap(root))
    throw new PolicyFileError([`${at(root)}: the file must be a mapping with policies, business_hours`]);

  const unknownKeys = (map: YAMLMap, allowed: Set<string>, what: string) => {
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!allowed.has(key))
        problems.push(`${at(pair.key)}: unknown ${what} "${key}" (expected ${[...allowed].join(', ')})`);
    }
  };
  const text1 = (node: unknown, what: string): string | undefined => {
    if (node === undefined || node === null) return undefined;
    if (isScalar(node) && typeof node.value === 'string' && node.value.trim() !== '') return node.value.trim();
    problems.push(`${at(node)}: ${what} must be a non-empty string`);
    return undefined;
  };
  const strings = (node: unknown, what: string): string[] | undefined => {
    if (node === undefined || node === null) return undefined;
    if (!isSeq(node)) {
      problems.push(`${at(node)}: ${what} must be a list`);
      return undefined;
    }
    return node.items.flatMap((item) => {
      const value = isScalar(item) && item.value !== null ? String(item.value).trim() : '';
      if (value) return [value];
      problems.push(`${at(item)}: ${what} must hold non-empty strings`);
      return [];
    });
  };
  const duration = (node: unknown, what: string): number | undefined => {
    if (node === undefined || node === null) return undefined;
    const ms = isScalar(node) ? parseDuration(String(node.value)) : null;
    if (ms === null) {
      const shown = isScalar(node) ? String(node.value) : 'a non-scalar';
      problems.push(`${at(node)}: ${what} must be a duration like 45s, 15m, 2h or 1d, got "${shown}"`);
      return undefined;
    }
    return ms;
  };

  unknownKeys(root, TOP_LEVEL, 'section');
  const policies: SlaPolicy[] = [];
  const policiesNode = root.get('policies', true);
  if (policiesNode !== undefined && policiesNode !== null && !isSeq(policiesNode))
    problems.push(`${at(policiesNode)}: policies must be a list`);
  if (isSeq(policiesNode)) {
    policiesNode.items.forEach((item, i) => {
      const where = `policies[${i}]`;
      if (!isMap(item)) return void problems.push(`${at(item)}: ${where} must be a mapping`);
      unknownKeys(item, POLICY_FIELDS, `field of ${where}`);
      const matchNode = item.get('match', true);
      const match: SlaPolicy['match'] = {};
      if (matchNode !== undefined && matchNode !== null) {
        if (!isMap(matchNode)) problems.push(`${at(matchNode)}: ${where}.match must be a mapping`);
        else {
          unknownKeys(matchNode, MATCH_FIELDS, `field of ${where}.match`);
          const priorities = strings(matchNode.get('priority', true), `${where}.match.priority`);
          for (const p of priorities ?? [])
            if (!PRIORITIES.includes(p))
              problems.push(
                `${at(matchNode.get('priority', true))}: ${where}.match.priority must name ${PRIORITIES.join(', ')}, got "${p}"`,
              );
          match.priority = priorities;
          match.teamId = strings(matchNode.get('team_id', true), `${where}.match.team_id`);
          const routeNode = matchNode.get('route', true);
          match.route = strings(routeNode, `${where}.match.route`);
          if (isSeq(routeNode))
            for (const item of routeNode.items) {
              const channel = isScalar(item) && item.value !== null ? String(item.value).trim() : '';
              if (channel && !isChannel(channel))
                problems.push(
                  `${at(item)}: ${where}.match.route "${channel}" is not a channel name (#name) or id (C…) as NOTIFIER_ROUTES and SLACK_TRIAGE_CHANNEL write them`,
                );
            }
        }
      }
      const policy: SlaPolicy = {
        name: text1(item.get('name', true), `${where}.name`) ?? where,
        match,
        reviewWithinMs: duration(item.get('review_within', true), `${where}.review_within`),
        replyWithinMs: duration(item.get('reply_within', true), `${where}.reply_within`),
        repeatEveryMs: duration(item.get('repeat_every', true), `${where}.repeat_every`),
        maxRepeatEveryMs: duration(item.get('max_repeat_every', true), `${where}.max_repeat_every`),
        escalate: [],
      };
      if (item.get('review_within') === undefined && item.get('reply_within') === undefined)
        problems.push(`${at(item)}: ${where} needs review_within or reply_within (or both)`);
      if (item.get('max_repeat_every') !== undefined && item.get('repeat_every') === undefined)
        problems.push(`${at(item.get('max_repeat_every', true))}: ${where}.max_repeat_every needs repeat_every`);
      if (
        policy.maxRepeatEveryMs !== undefined &&
        policy.repeatEveryMs &&
        policy.maxRepeatEveryMs < policy.repeatEveryMs
      )
        problems.push(
          `${at(item.get('max_repeat_every', true))}: ${where}.max_repeat_every is shorter than repeat_every`,
        );
      const escalateNode = item.get('escalate', true);
      if (escalateNode !== undefined && escalateNode !== null && !isSeq(escalateNode))
        problems.push(`${at(escalateNode)}: ${where}.escalate must be a list`);
      if (isSeq(escalateNode)) {
        escalateNode.items.forEach((levelNode, j) => {
          const level = escalationLevel(levelNode, `${where}.escalate[${j}]`);
          if (level) policy.escalate.push(level);
        });
      }
      policies.push(policy);
    });
  }

  function escalationLevel(node: unknown, where: string): EscalationLevel | undefined {
    if (!isMap(node)) return void problems.push(`${at(node)}: ${where} must be a mapping`);
    unknownKeys(node, LEVEL_FIELDS, `field of ${where}`);
    const afterMs = duration(node.get('after', true), `${where}.after`);
    if (node.get('after') === undefined)
      problems.push(`${at(node)}: ${where} needs after (a duration since the breach)`);
    const broadcastNode = node.get('broadcast', true);
    if (broadcastNode !== undefined && !(isScalar(broadcastNode) && typeof broadcastNode.value === 'boolean'))
      problems.push(`${at(broadcastNode)}: ${where}.broadcast must be true or false`);
    const webhook = text1(node.get('webhook', true), `${where}.webhook`);
    if (webhook !== undefined && !/^https?:\/\/[^\s]+$/.test(webhook))
      problems.push(`${at(node.get('webhook', true))}: ${where}.webhook must be an http(s) URL`);
    const mentionNode = node.get('mention', true);
    for (const m of strings(mentionNode, `${where}.mention`) ?? [])
      if (!SLACK_MENTION.test(m))
        problems.push(
          `${at(mentionNode)}: ${where}.mention "${m}" is not a Slack mention: write <@U…> for a user, <!subteam^S…> for a user group, or <!here>`,
        );
    const level: EscalationLevel = {
      afterMs: afterMs ?? 0,
      mention: strings(node.get('mention', true), `${where}.mention`) ?? [],
      broadcast: isScalar(broadcastNode) && broadcastNode.value === true,
      channel: text1(node.get('channel', true), `${where}.channel`),
      webhook,
    };
    if (level.mention.length === 0 && !level.broadcast && !level.channel && !level.webhook)
      problems.push(`${at(node)}: ${where} does nothing: give it mention, broadcast, channel or webhook`);
    return level;
  }

  const businessHours = hoursOf(root.get('business_hours', true));
  function hoursOf(node: unknown): BusinessHours | undefined {
    if (node === undefined || node === null) return undefined;
    if (!isMap(node)) return void problems.push(`${at(node)}: business_hours must be a mapping`);
    unknownKeys(node, HOURS_FIELDS, 'field of business_hours');
    const timeZone = text1(node.get('time_zone', true), 'business_hours.time_zone') ?? 'UTC';
    if (!isTimeZone(timeZone))
      problems.push(
        `${at(node.get('time_zone', true))}: business_hours.time_zone "${timeZone}" is not a known time zone`,
      );
    const days = (strings(node.get('days', true), 'business_hours.days') ?? WEEKDAYS.slice(1, 6)).map((d) =>
      d.toLowerCase().slice(0, 3),
    );
    for (const d of days)
      if (!WEEKDAYS.includes(d as Weekday))
        problems.push(
          `${at(node.get('days', true))}: business_hours.days must name ${WEEKDAYS.join(', ')}, got "${d}"`,
        );
    const hoursNode = node.get('hours', true);
    const hours = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/.exec(
      text1(hoursNode, 'business_hours.hours') ?? '',
    );
    const openMinute = hours ? Number(hours[1]) * 60 + Number(hours[2]) : 0;
    const closeMinute = hours ? Number(hours[3]) * 60 + Number(hours[4]) : 0;
    if (!hours || openMinute >= closeMinute || closeMinute > 24 * 60)
      problems.push(
        `${at(hoursNode ?? node)}: business_hours.hours must be "HH:MM-HH:MM" with the opening first, like "09:00-18:00"`,
      );
    return { timeZone, days: days as Weekday[], openMinute, closeMinute };
  }

  if (problems.length > 0) throw new PolicyFileError(problems);
  return { policies, businessHours };
}
