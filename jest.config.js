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

// `npm test` (ci/test.ts) runs the `cluster` project's suites in two lanes side by side, each on a
// bed of its own: ONLOAD_CLUSTER_LANE=1 runs all but the second lane's suites, =2 only those (the
// e2e lifecycle against the KMM stand-in, and suites that even out the lanes' times). Unset: every
// suite but the e2e lifecycle (which `kmm-manager` runs against the real KMM manager).
const lifecycle = 'ci/e2e/lifecycle.cluster.test.ts';
const secondLane = [lifecycle, 'ci/e2e/helm4.cluster.test.ts', 'ci/e2e/metrics.cluster.test.ts'];
const clusterLane = process.env.ONLOAD_CLUSTER_LANE;

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
      testMatch:
        clusterLane === '2'
          ? secondLane.map((f) => `<rootDir>/${f}`)
          : ['<rootDir>/{generator,hooks,ci,charts,cli}/**/*.cluster.test.ts'],
      testPathIgnorePatterns: [
        '/node_modules/',
        ...(clusterLane === '1' ? secondLane : clusterLane === '2' ? [] : [lifecycle]).map(
          (f) => `/${f.replaceAll('.', '\\.')}$`,
        ),
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
