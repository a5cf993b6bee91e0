// Lint for the whole repository: `npm run lint` (run by `npm test` beside the type-check).
const tseslint = require('typescript-eslint');
const importX = require('eslint-plugin-import-x');

const APPS = ['cli', 'connector-cron', 'connector-webhook', 'gateway', 'provider', 'queue-worker', 'scaler', 'watchdog'];
const SUBJECT_WORDS = 'invoke|evt|topic|provider|scaler|logs|claim|pull|replica';
const TESTS = ['**/*.spec.ts', '**/*.int.ts', '**/*.e2e.ts', 'test/**', 'libs/testing/**'];

module.exports = tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.skiff/**',
      'apps/ui/vendor/**',
      'templates/**/node_modules/**',
      'templates/*/function/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js', '.json'] } } },
    rules: {
      // An app never imports another app: what two apps share lives in libs/.
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: APPS.map((app) => ({
            target: `./apps/${app}`,
            from: './apps',
            except: [`./${app}`],
            message: 'apps do not import each other; move what they share to libs/',
          })),
        },
      ],
      // A closure that reads a variable before its one assignment (a stop handler set up first) needs `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Tests load the CommonJS start-up scripts they test as they are.
      '@typescript-eslint/no-require-imports': ['error', { allow: ['/scripts/lib/'] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['libs/contracts/**', ...TESTS],
    rules: {
      // Subjects are named once, in libs/contracts (subjects.ts, bus-permissions.ts).
      'no-restricted-syntax': [
        'error',
        {
          selector: `Literal[value=/^(${SUBJECT_WORDS})\\.[a-z]/]`,
          message: 'subject literals live in libs/contracts/src/subjects.ts (and subject-names/)',
        },
        {
          selector: `TemplateElement[value.raw=/(^|\\.)(${SUBJECT_WORDS})\\.$/]`,
          message: 'subject literals live in libs/contracts/src/subjects.ts (and subject-names/)',
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
