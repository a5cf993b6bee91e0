#!/usr/bin/env node
'use strict';
// The `skiff` command (package.json "bin"): runs the built CLI from dist/.
const { existsSync } = require('node:fs');
const Module = require('node:module');
const { join } = require('node:path');

const root = join(__dirname, '..', '..', '..');
const entry = join(root, 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(`skiff is not built yet (${entry} is missing): run "npm run build" in ${root}\n`);
  process.exit(1);
}
// `npm run build` rewrites @skiff/* imports to relative paths (tsc-alias); this resolves them too
// when dist/ came from a plain tsc run.
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveSkiff(request, ...rest) {
  const m = /^@skiff\/([a-z-]+)(\/.*)?$/.exec(request);
  if (m) request = join(root, 'dist', 'libs', m[1], 'src', m[2] ? m[2].slice(1) : 'index');
  return resolveFilename.call(this, request, ...rest);
};
void require(entry).run();
