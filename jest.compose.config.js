// The docker compose test alone (`npm run test:compose`): the whole system from docker-compose.yml and the
// local images (`npm run images`), no global Kafka/Redis setup. The default jest config leaves test/compose out.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
  },
  moduleNameMapper: { '^@switchboard/(core)$': '<rootDir>/packages/$1/src' },
  testMatch: ['<rootDir>/test/compose/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 120000,
  maxWorkers: 1,
};
