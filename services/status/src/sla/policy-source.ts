// The SLA policies in force, from SLA_POLICY_FILE, reloaded when the file changes (core's WatchedFile: a bad
// file refuses the start; a bad edit later is logged and the last good policies stay). A clock keeps the plan
// it started with (see schedule.ts).
import { WatchedFile, type Logger } from '@switchboard/core';
import { parsePolicyFile, PolicyFileError } from './policy-file';
import { noPolicies, type SlaPolicies } from './policy';

export class PolicySource extends WatchedFile<SlaPolicies> {
  constructor(path: string | undefined, logger: Logger) {
    super({
      path,
      absent: noPolicies,
      absentMessage: 'no SLA_POLICY_FILE: no deadlines run',
      parse: parsePolicyFile,
      problemsOf: (err) => (err instanceof PolicyFileError ? err.problems : [(err as Error).message]),
      names: { content: 'SLA policies', file: 'SLA policy file' },
      fieldsOf: (value) => ({ policies: value.policies.length }),
      logger,
    });
  }
}
