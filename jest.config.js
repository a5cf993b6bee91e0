/** Jest runs TypeScript through SWC so decorator metadata (class-validator, Nest DI) is honoured. */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
};
const moduleNameMapper = { '^@skiff/([a-z-]+)(/.*)?$': '<rootDir>/libs/$1/src$2' };
const base = {
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper,
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/setup-env.js'],
  // Templates and store items carry their own package.json files: not modules of this repo.
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/templates/', '<rootDir>/store/', '<rootDir>/build/'],
};

module.exports = {
  // Jest reads testTimeout globally, not per project: tests that start real processes need minutes under load.
  testTimeout: 120_000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'] },
    { ...base, displayName: 'integration', testTimeout: 60_000, testMatch: ['<rootDir>/apps/**/*.int.ts', '<rootDir>/libs/**/*.int.ts'] },
    { ...base, displayName: 'e2e', testTimeout: 120_000, testMatch: ['<rootDir>/test/**/*.e2e.ts'] },
  ],
};
