import { ConfigError, env, readConfig } from '../src/config';

describe('readConfig', () => {
  const spec = {
    port: env.int('PORT', 8080, { min: 0, max: 65535 }),
    brokers: env.list('BROKERS', ['localhost:9092']),
    debug: env.bool('DEBUG', false),
    token: env.string('TOKEN'),
    level: env.oneOf('LEVEL', ['info', 'debug'] as const, 'info'),
    base: env.url('BASE', 'http://localhost/'),
  };

  it('applies defaults for unset and empty variables', () => {
    const config = readConfig(spec, { TOKEN: 'x', PORT: '' });
    expect(config).toEqual({
      port: 8080,
      brokers: ['localhost:9092'],
      debug: false,
      token: 'x',
      level: 'info',
      base: 'http://localhost/',
    });
  });

  it('parses typed values', () => {
    const config = readConfig(spec, {
      TOKEN: 'x',
      PORT: '9000',
      BROKERS: 'a:1, b:2,',
      DEBUG: 'yes',
      LEVEL: 'debug',
      BASE: 'https://ops.example',
    });
    expect(config.port).toBe(9000);
    expect(config.brokers).toEqual(['a:1', 'b:2']);
    expect(config.debug).toBe(true);
    expect(config.level).toBe('debug');
    expect(config.base).toBe('https://ops.example/');
  });

  it('names the variable and the expectation on a bad value', () => {
    expect(() => readConfig(spec, { TOKEN: 'x', PORT: 'eighty' })).toThrow(
      new ConfigError('PORT', 'expected a whole number, got "eighty"'),
    );
    expect(() => readConfig(spec, { TOKEN: 'x', PORT: '70000' })).toThrow('PORT: must be at most 65535, got 70000');
    expect(() => readConfig(spec, { TOKEN: 'x', LEVEL: 'loud' })).toThrow(
      'LEVEL: expected one of info, debug, got "loud"',
    );
    expect(() => readConfig(spec, { TOKEN: 'x', BASE: 'not a url' })).toThrow('BASE: expected a URL');
  });

  it('reports a missing required variable, and every bad variable at once', () => {
    expect(() => readConfig(spec, {})).toThrow('TOKEN: is required but not set');
    expect(() => readConfig(spec, { PORT: 'x', DEBUG: 'maybe' })).toThrow(/PORT, DEBUG, TOKEN/);
  });
});
