// One jest run for the whole repository: unit tests and integration tests against a real Kafka and Redis
// (see test/setup/global-setup.ts for where those come from). test/compose has its own config (jest.compose.config.js).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
    // @platformatic/kafka ships ES modules only, which jest's CommonJS runtime cannot load under Node 20.
    '^.+/node_modules/@platformatic/.+\\.js$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!@platformatic/)'],
  moduleNameMapper: {
    '^@switchboard/(core|agreements|bus|store|proto|runtime|cli)$': '<rootDir>/packages/$1/src',
    '^@switchboard/sandbox$': '<rootDir>/sandbox/src',
    '^@switchboard/(ingress|classifier|notifier|ticketer|status)$': '<rootDir>/services/$1/src',
    '^@switchboard/example-bot$': '<rootDir>/examples/bot/src/bot',
  },
  testMatch: [
    '<rootDir>/{packages,services,examples}/*/test/**/*.test.ts',
    '<rootDir>/sandbox/test/**/*.test.ts',
    '<rootDir>/test/**/*.test.ts',
    '<rootDir>/scripts/**/*.test.ts',
    '<rootDir>/bench/test/**/*.test.ts',
  ],
  // test/compose and test/k8s need docker compose and the test cluster: `npm run test:compose`, `npm run test:k8s`.
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/test/compose/', '<rootDir>/test/k8s/'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
