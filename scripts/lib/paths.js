'use strict';
const { join, resolve } = require('node:path');

/** Repository root. */
const REPO_ROOT = resolve(__dirname, '..', '..');

/**
 * SKIFF_SANDBOX_HOST_PATHS of the benchmarks: the fixture folders whose programs they deploy by
 * absolute path, opened read-only into every replica (nothing else of the project is).
 */
const BENCH_SANDBOX_HOST_PATHS = [join(REPO_ROOT, 'test', 'fixtures'), join(REPO_ROOT, 'scripts', 'bench')].join(',');

module.exports = { REPO_ROOT, BENCH_SANDBOX_HOST_PATHS };
