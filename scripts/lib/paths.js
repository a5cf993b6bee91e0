'use strict';
const { resolve } = require('node:path');

/** Repository root. */
const REPO_ROOT = resolve(__dirname, '..', '..');

module.exports = { REPO_ROOT };
