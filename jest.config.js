/** Tests run TypeScript through SWC (transpile only); `npm run lint` does the type check. */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/simulator/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
  // The fault suite's figures (test/faults) are gathered in a ledger and printed at the end.
  globalSetup: '<rootDir>/test/support/faults-summary-setup.ts',
  globalTeardown: '<rootDir>/test/support/faults-summary.ts',
  testTimeout: 30000,
};
