// The bench mode switch: SWITCHBOARD_BUDGETS=off lifts the notifier's and ticketer's own rate budgets (Slack's
// and Asana's pace), so a benchmark measures Switchboard's cost. Refused outside a bench or development setting.
import { ConfigError, type CompoundSetting } from './config';

/** Where SWITCHBOARD_BUDGETS=off is allowed: SWITCHBOARD_ENV, else NODE_ENV, must be one of these. */
export const BUDGETS_OFF_ENVIRONMENTS = ['bench', 'development'] as const;

export type Budgets = 'on' | 'off';

export const budgetsSetting: CompoundSetting<Budgets> = {
  variables: ['SWITCHBOARD_BUDGETS', 'SWITCHBOARD_ENV', 'NODE_ENV'],
  read(source) {
    const text = source.SWITCHBOARD_BUDGETS?.trim().toLowerCase() || 'on';
    if (text !== 'on' && text !== 'off')
      throw new ConfigError('SWITCHBOARD_BUDGETS', `expected on or off, got "${source.SWITCHBOARD_BUDGETS}"`);
    if (text === 'on') return 'on';
    const environment = source.SWITCHBOARD_ENV?.trim() || source.NODE_ENV?.trim() || '';
    if (!(BUDGETS_OFF_ENVIRONMENTS as readonly string[]).includes(environment))
      throw new ConfigError(
        'SWITCHBOARD_BUDGETS',
        `off sends to Slack and Asana faster than they allow, so it is only for benchmarks: set SWITCHBOARD_ENV (or NODE_ENV) to ${BUDGETS_OFF_ENVIRONMENTS.join(' or ')}, got "${environment || '(unset)'}"`,
      );
    return 'off';
  },
};
