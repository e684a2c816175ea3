// Three projects: `unit` needs nothing but Node; `cluster` needs the local test bed (started once
// by its global setup, shared by its suites, stopped by its global teardown); `host` starts and
// kills its own beds with a real node (root; run before `cluster`, never beside it).
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2024' } }] };
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform,
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};

export default {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{generator,hooks,ci,charts}/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.(cluster|host)\\.test\\.ts$', '/node_modules/'],
    },
    {
      ...common,
      displayName: 'cluster',
      setupFilesAfterEnv: ['<rootDir>/ci/testbed/jest-timeout.ts'],
      testMatch: ['<rootDir>/{generator,hooks,ci,charts}/**/*.cluster.test.ts'],
      globalSetup: '<rootDir>/ci/testbed/jest-global-setup.ts',
      globalTeardown: '<rootDir>/ci/testbed/jest-global-teardown.ts',
    },
    {
      ...common,
      displayName: 'host',
      setupFilesAfterEnv: ['<rootDir>/ci/testbed/jest-timeout.ts'],
      testMatch: ['<rootDir>/ci/**/*.host.test.ts'],
    },
  ],
};
