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

// @kubernetes/client-node 1.x and kubernetes-models 5 are ES modules (Node itself require()s them; jest's
// module system cannot on Node 20): SWC turns them into CommonJS for the Kubernetes contract suite only.
const esm = [
  '@kubernetes/client-node',
  'openid-client',
  'oauth4webapi',
  'jose',
  'jsonpath-plus',
  'rfc4648',
  'kubernetes-models',
  '@kubernetes-models',
  'is-cidr',
  'cidr-regex',
];
const kubernetes = {
  ...base,
  transform: {
    ...base.transform,
    '/node_modules/.+\\.js$': ['@swc/jest', { ...swc, jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esm.join('|')})/)`],
  // Their package exports name only an `import` entry; jest resolves with `require`, so point at the files.
  moduleNameMapper: {
    ...moduleNameMapper,
    '^kubernetes-models/(.+)$': '<rootDir>/node_modules/kubernetes-models/$1.js',
    '^@kubernetes-models/(base|validate)$': '<rootDir>/node_modules/@kubernetes-models/$1/dist/index.js',
    '^@kubernetes-models/validate/runtime/(.+)$': '<rootDir>/node_modules/@kubernetes-models/validate/dist/runtime/$1.js',
    '^@kubernetes-models/apimachinery/(.+)$': '<rootDir>/node_modules/@kubernetes-models/apimachinery/$1.js',
    '^(is-cidr|cidr-regex)$': '<rootDir>/node_modules/$1/dist/index.js',
  },
};

module.exports = {
  // Jest reads testTimeout globally, not per project: tests that start real processes need minutes under load.
  testTimeout: 120_000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'] },
    { ...base, displayName: 'integration', testTimeout: 60_000, testMatch: ['<rootDir>/apps/**/*.int.ts', '<rootDir>/libs/**/*.int.ts'] },
    // The kubernetes backend against a fake API server, and deploy/k8s against the API schemas (no cluster needed).
    // Its *.e2e.ts files need the run's NATS (npm test / scripts/test.js), like every e2e file.
    { ...kubernetes, displayName: 'k8s', testMatch: ['<rootDir>/test/k8s/**/*.spec.ts', '<rootDir>/test/k8s/**/*.e2e.ts'] },
    {
      ...base,
      displayName: 'e2e',
      testTimeout: 120_000,
      testMatch: ['<rootDir>/test/**/*.e2e.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/k8s/'],
    },
  ],
};
