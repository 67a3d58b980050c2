/**
 * Tests run TypeScript through SWC (transpile only); `npm run lint` does the type check.
 *
 * Two projects (https://jestjs.io/docs/configuration#projects-arraystring--projectconfig):
 * - unit: the tests beside the code, in src/ and simulator/; none opens Redis or starts the bridge,
 *   so `npm run test:unit` runs with Redis stopped. The sync jobs are tested there against the fake
 *   Secret Server and the in-memory store (src/jobs/sync-job-fixtures.ts).
 * - integration: test/, the component and end-to-end tests, which need Redis (TEST_REDIS_URL) and
 *   start the bridge, the simulator or child processes.
 * A test that needs Redis belongs in test/.
 */
const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
};

module.exports = {
  testTimeout: 30000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/simulator/**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // The fault suite's figures (test/faults) are gathered in a ledger and printed at the end.
      globalSetup: '<rootDir>/test/support/faults-summary-setup.ts',
      globalTeardown: '<rootDir>/test/support/faults-summary.ts',
    },
  ],
};
