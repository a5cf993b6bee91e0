'use strict';
// The benchmark's other sections, each its own script run after the HTTP cases (scripts/bench.js).
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

/** Sections run after the HTTP cases, each its own script on the same build (BENCH_SECTIONS: names, or "none"). */
const SECTIONS = { async: 'bench-async.js', triggers: 'bench-triggers.js' };

function runSections() {
  const wanted = (process.env.BENCH_SECTIONS ?? Object.keys(SECTIONS).join(',')).split(',').map((s) => s.trim());
  for (const name of wanted.filter((w) => SECTIONS[w])) {
    const run = spawnSync(process.execPath, [join(__dirname, '..', SECTIONS[name])], {
      stdio: 'inherit',
      env: { ...process.env, SKIFF_SKIP_BUILD: '1' },
    });
    if (run.status !== 0) process.exitCode = 1;
  }
}

module.exports = { runSections };
