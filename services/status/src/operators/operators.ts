// The operators who may use the console, and who is who across Slack, Asana and the console.
// Passwords are kept only as scrypt hashes (packages/core passwords.ts); `switchboard hash-password`
// makes one.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, isPasswordHash, verifyPassword } from '@switchboard/core';

export interface OperatorAccount {
  login: string;
  name: string;
  email?: string;
  slackUserId?: string;
  asanaUserGid?: string;
  passwordHash?: string;
}

/** `login:scrypt$…` entries (CONSOLE_OPERATORS). */
export function parseOperatorEntries(entries: string[]): OperatorAccount[] {
  return entries.map((entry, i) => {
    const at = entry.indexOf(':');
    const login = at > 0 ? entry.slice(0, at).trim() : '';
    const passwordHash = at > 0 ? entry.slice(at + 1).trim() : '';
    if (!login || !isPasswordHash(passwordHash)) {
      throw new ConfigError(
        'CONSOLE_OPERATORS',
        `entry #${i + 1} must look like login:scrypt$N$r$p$salt$hash (make one with "npm run switchboard -- hash-password")`,
      );
    }
    return { login, name: login, passwordHash };
  });
}

/** The operators file: `operators: [{login, name, email, slackUserId, asanaUserGid, passwordHash}]`. */
export function parseOperatorsFile(text: string, path: string): OperatorAccount[] {
  const fail = (message: string) => new ConfigError('CONSOLE_OPERATORS_FILE', `${path}: ${message}`);
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw fail(`not valid YAML: ${(err as Error).message}`);
  }
  const list = (doc as { operators?: unknown } | null)?.operators;
  if (!Array.isArray(list)) throw fail('expected a list under "operators"');
  return list.map((item: unknown, i) => {
    const o = item as Record<string, unknown>;
    const text = (key: string) =>
      typeof o?.[key] === 'string' && (o[key] as string).trim() !== '' ? (o[key] as string).trim() : undefined;
    const login = text('login');
    if (!login) throw fail(`operator #${i + 1} has no login`);
    const passwordHash = text('passwordHash');
    if (passwordHash !== undefined && !isPasswordHash(passwordHash))
      throw fail(`operator "${login}" has a passwordHash that is not scrypt$N$r$p$salt$hash`);
    return {
      login,
      name: text('name') ?? login,
      email: text('email'),
      slackUserId: text('slackUserId'),
      asanaUserGid: text('asanaUserGid'),
      passwordHash,
    };
  });
}

export function loadOperators(entries: string[], file: string | undefined): OperatorAccount[] {
  let fromFile: OperatorAccount[] = [];
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError('CONSOLE_OPERATORS_FILE', `cannot read ${file}: ${(err as Error).message}`);
    }
    fromFile = parseOperatorsFile(text, file);
  }
  const all = [...parseOperatorEntries(entries), ...fromFile];
  const seen = new Set<string>();
  for (const o of all) {
    if (seen.has(o.login)) throw new ConfigError('CONSOLE_OPERATORS', `operator "${o.login}" is configured twice`);
    seen.add(o.login);
  }
  return all;
}

export class OperatorDirectory {
  private byLogin = new Map<string, OperatorAccount>();
  accounts: OperatorAccount[] = [];

  constructor(accounts: OperatorAccount[]) {
    this.replace(accounts);
  }

  /** A reloaded list takes effect at once; the logins no longer in it are returned (their sessions end). */
  replace(accounts: OperatorAccount[]): string[] {
    const removed = this.accounts
      .filter((a) => !accounts.some((b) => b.login.toLowerCase() === a.login.toLowerCase() && b.passwordHash))
      .map((a) => a.login);
    this.accounts = accounts;
    this.byLogin = new Map(accounts.map((a) => [a.login.toLowerCase(), a]));
    return removed;
  }

  /** By login or email, case-insensitive (an auth proxy may send either). */
  find(loginOrEmail: string): OperatorAccount | undefined {
    const key = loginOrEmail.trim().toLowerCase();
    return this.byLogin.get(key) ?? this.accounts.find((a) => a.email?.toLowerCase() === key);
  }

  bySlackUser(userId: string): OperatorAccount | undefined {
    return this.accounts.find((a) => a.slackUserId === userId);
  }

  byAsanaUser(gid: string): OperatorAccount | undefined {
    return this.accounts.find((a) => a.asanaUserGid === gid);
  }

  /**
   * The account for a login attempt, or null. A wrong login costs the same scrypt work as a wrong
   * password, so timing does not tell which logins exist.
   */
  async authenticate(login: string, password: string): Promise<OperatorAccount | null> {
    const account = this.find(login);
    const hash = account?.passwordHash ?? DUMMY_HASH;
    const ok = await verifyPassword(password, hash);
    return ok && account?.passwordHash ? account : null;
  }
}

/** scrypt of a random password nobody knows: compared against when the login does not exist. */
const DUMMY_HASH = `scrypt$16384$8$1$${randomBytes(16).toString('base64')}$${randomBytes(32).toString('base64')}`;
