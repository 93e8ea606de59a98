// One jest run for the whole repository: unit tests and integration tests against a real Kafka and Redis
// (see test/setup/global-setup.ts for where those come from).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }] },
  moduleNameMapper: {
    '^@switchboard/(core|bus|store|proto|runtime|sandbox|cli)$': '<rootDir>/packages/$1/src',
    '^@switchboard/(ingress|classifier|notifier|ticketer|status)$': '<rootDir>/services/$1/src',
    '^@switchboard/example-bot$': '<rootDir>/examples/bot/src/bot',
  },
  testMatch: ['<rootDir>/{packages,services,examples}/*/test/**/*.test.ts', '<rootDir>/test/**/*.test.ts', '<rootDir>/scripts/**/*.test.ts', '<rootDir>/bench/test/**/*.test.ts'],
  // test/k8s needs the test cluster: `npm run test:k8s` (jest.k8s.config.js).
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/test/k8s/'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
