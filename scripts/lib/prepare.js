'use strict';
// Steps `npm start` and `npm test` share before any service runs: dependencies and the build.
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { REPO_ROOT } = require('./paths');
const { BootstrapError } = require('./infra');

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Runs a command in the repository root with inherited output; throws when it fails. */
function run(command, args, what = `${command} ${args.join(' ')}`) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: REPO_ROOT, stdio: 'inherit', env: process.env });
  if (result.error) throw new BootstrapError(`${what} could not run: ${result.error.message}`);
  if (result.status !== 0) throw new BootstrapError(`${what} failed (exit code ${result.status ?? result.signal})`);
  return Date.now() - started;
}

/** Direct dependencies named in package-lock.json that node_modules lacks (a pull that added one). */
function missingPackages() {
  try {
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8'));
    return Object.entries(lock.packages ?? {})
      .filter(([path, meta]) => path.startsWith('node_modules/') && !path.slice(13).includes('node_modules/') && !meta.optional)
      .map(([path]) => path)
      .filter((path) => !existsSync(join(REPO_ROOT, path, 'package.json')));
  } catch {
    return [];
  }
}

/** `npm ci` when node_modules is missing (a fresh clone) or lacks a package the lock file names. */
function installIfMissing(log = console.log) {
  if (existsSync(join(REPO_ROOT, 'node_modules', '.package-lock.json'))) {
    const missing = missingPackages();
    if (!missing.length) return;
    log(`node_modules lacks ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}: npm ci`);
  } else log('node_modules is missing: npm ci');
  run(NPM, ['ci'], 'npm ci');
}

/** `npm run build`, unless SKIFF_SKIP_BUILD=1. */
function buildUnlessSkipped(log = console.log) {
  if (process.env.SKIFF_SKIP_BUILD === '1') {
    log('SKIFF_SKIP_BUILD=1: using the existing dist/');
    return;
  }
  log('npm run build');
  const ms = run(NPM, ['run', 'build', '--silent'], 'npm run build');
  log(`build done in ${(ms / 1000).toFixed(1)} s`);
}

/**
 * `npm run typecheck` (the whole project, tests included): jest compiles tests with SWC, which strips
 * types without checking them, and the build leaves test files out. Skipped with SKIFF_SKIP_BUILD=1.
 */
function typecheckUnlessSkipped(log = console.log) {
  if (process.env.SKIFF_SKIP_BUILD === '1') return;
  log('npm run typecheck');
  const ms = run(NPM, ['run', 'typecheck', '--silent'], 'npm run typecheck');
  log(`typecheck done in ${(ms / 1000).toFixed(1)} s`);
  log('npm run lint (eslint, prettier --check; `npm run format` fixes what it can)');
  const lintMs = run(NPM, ['run', 'lint', '--silent'], 'npm run lint');
  log(`lint done in ${(lintMs / 1000).toFixed(1)} s`);
}

module.exports = { run, installIfMissing, buildUnlessSkipped, typecheckUnlessSkipped, NPM };
