// At start-up: is ASANA_TOKEN an operator's own Asana login? What our token's user does in Asana is taken as
// Switchboard's own change coming back and ignored (task-change.ts, story-change.ts), so an operator working
// under that login would close, note and assign nothing from Asana. Said once, as a warning; it never stops
// the start (Asana may be away: then nothing is said).
import type { Logger } from '@switchboard/core';
import type { OperatorDirectory } from '../operators/operators';
import type { AsanaApi } from './asana-client';

/** The login of the operator whose Asana user our token is (by their `asanaUserGid`, else by email), if any. */
export async function operatorOfOwnAsanaUser(
  api: Pick<AsanaApi, 'ownUserGid' | 'user'>,
  directory: OperatorDirectory,
): Promise<string | undefined> {
  const gid = await api.ownUserGid();
  const byGid = directory.byAsanaUser(gid);
  if (byGid) return byGid.login;
  const profile = await api.user(gid);
  return profile?.email ? directory.find(profile.email)?.login : undefined;
}

export async function warnIfOwnAsanaUserIsAnOperator(
  api: Pick<AsanaApi, 'ownUserGid' | 'user'>,
  directory: OperatorDirectory,
  logger: Logger,
): Promise<void> {
  let login: string | undefined;
  try {
    login = await operatorOfOwnAsanaUser(api, directory);
  } catch (err) {
    logger.info({ err: (err as Error).message }, 'could not ask Asana whose ASANA_TOKEN this is; not checked');
    return;
  }
  if (login)
    logger.warn(
      { login },
      `ASANA_TOKEN is the Asana login of operator "${login}": what they do in Asana is taken as Switchboard's own change and ignored; give Switchboard an Asana user of its own`,
    );
}
