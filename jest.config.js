// Four projects: `unit` needs nothing but Node; `cluster` needs the local test bed (started once
// by its global setup, shared by its suites, stopped by its global teardown); `host` starts and
// kills its own beds with real nodes (root; run before the others, never beside them: it fills
// both real-node slots); `kmm-manager` runs the e2e lifecycle and the KMM contract suite on a bed
// of its own where the real KMM manager runs (beside `cluster`: a machine has two real-node
// slots). The contract suite runs in both, so the stand-in is held to what the real manager does,
// and runs first on its bed (jest-sequencer.js: KMM's event budget per node).
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2024' } }] };
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform,
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};

export default {
  testSequencer: '<rootDir>/ci/testbed/jest-sequencer.js',
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{generator,hooks,ci,charts,cli}/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.(cluster|host)\\.test\\.ts$', '/node_modules/'],
    },
    {
      ...common,
      displayName: 'cluster',
      setupFilesAfterEnv: ['<rootDir>/ci/testbed/jest-timeout.ts'],
      testMatch: ['<rootDir>/{generator,hooks,ci,charts,cli}/**/*.cluster.test.ts'],
      // The e2e lifecycle has its own `npm test` step against the stand-in (ci/test.ts:
      // ONLOAD_LIFECYCLE_ON_STANDIN=1 on a bed of its own, beside this project's), so this
      // project's run leaves it out.
      testPathIgnorePatterns: [
        '/node_modules/',
        ...(process.env.ONLOAD_LIFECYCLE_ON_STANDIN === '1'
          ? []
          : ['/ci/e2e/lifecycle\\.cluster\\.test\\.ts$']),
      ],
      globalSetup: '<rootDir>/ci/testbed/jest-global-setup.ts',
      globalTeardown: '<rootDir>/ci/testbed/jest-global-teardown.ts',
    },
    {
      ...common,
      displayName: 'host',
      setupFilesAfterEnv: ['<rootDir>/ci/testbed/jest-timeout.ts'],
      testMatch: ['<rootDir>/ci/**/*.host.test.ts'],
    },
    {
      // The e2e lifecycle, and the KMM contract suite again, against the real KMM manager.
      ...common,
      displayName: 'kmm-manager',
      setupFiles: ['<rootDir>/ci/testbed/jest-kmm-manager-env.ts'],
      setupFilesAfterEnv: ['<rootDir>/ci/testbed/jest-timeout.ts'],
      testMatch: [
        '<rootDir>/ci/e2e/lifecycle.cluster.test.ts',
        '<rootDir>/ci/testbed/agents/kmm.cluster.test.ts',
      ],
      globalSetup: '<rootDir>/ci/testbed/jest-global-setup-kmm-manager.ts',
      globalTeardown: '<rootDir>/ci/testbed/jest-global-teardown-kmm-manager.ts',
    },
  ],
};
