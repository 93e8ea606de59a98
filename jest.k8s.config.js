// `npm run test:k8s` (scripts/k8s/test.sh): the Helm chart on the single-node test cluster. Kept out of the
// default jest run, which has no cluster; this one needs no host Kafka or Redis (they run in the cluster).
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: base.transform,
  moduleNameMapper: base.moduleNameMapper,
  testMatch: ['<rootDir>/test/k8s/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 600000,
  maxWorkers: 1,
};
