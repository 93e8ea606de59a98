import { ConfigError, budgetsSetting, readConfig } from '../src';

describe('SWITCHBOARD_BUDGETS', () => {
  const read = (source: Record<string, string>) => readConfig({ budgets: budgetsSetting }, source).budgets;

  it('keeps the budgets on unless told otherwise', () => {
    expect(read({})).toBe('on');
    expect(read({ SWITCHBOARD_BUDGETS: 'on', NODE_ENV: 'production' })).toBe('on');
  });

  it.each([
    [{ SWITCHBOARD_BUDGETS: 'off', SWITCHBOARD_ENV: 'bench' }],
    [{ SWITCHBOARD_BUDGETS: 'OFF', NODE_ENV: 'development' }],
    [{ SWITCHBOARD_BUDGETS: 'off', SWITCHBOARD_ENV: 'development', NODE_ENV: 'production' }],
  ])('turns them off in a bench or development setting: %j', (source) => {
    expect(read(source)).toBe('off');
  });

  it.each([
    [{ SWITCHBOARD_BUDGETS: 'off' }, /\(unset\)/],
    [{ SWITCHBOARD_BUDGETS: 'off', NODE_ENV: 'production' }, /"production"/],
    [{ SWITCHBOARD_BUDGETS: 'off', SWITCHBOARD_ENV: 'staging', NODE_ENV: 'development' }, /"staging"/],
  ])('refuses to turn them off anywhere else, naming the variable: %j', (source, detail) => {
    expect(() => read(source)).toThrow(ConfigError);
    expect(() => read(source)).toThrow(
      /^SWITCHBOARD_BUDGETS: off .* SWITCHBOARD_ENV \(or NODE_ENV\) to bench or development/,
    );
    expect(() => read(source)).toThrow(detail);
  });

  it('refuses a value that is neither on nor off', () => {
    expect(() => read({ SWITCHBOARD_BUDGETS: 'loose' })).toThrow(
      /^SWITCHBOARD_BUDGETS: expected on or off, got "loose"/,
    );
  });
});
