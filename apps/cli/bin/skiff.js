#!/usr/bin/env node
'use strict';
// The `skiff` command (package.json "bin"): runs the built CLI from dist/.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', '..', '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(`skiff is not built yet (${entry} is missing): run "npm run build" in ${join(__dirname, '..', '..', '..')}\n`);
  process.exit(1);
}
void require(entry).run();
