'use strict';
// Seeds a fresh platform with a few store functions so a new user has something to call at once
// (`npm start`; SKIFF_SEED=false turns it off). Runs the built `skiff` CLI; a marker file in the
// data dir makes it happen once per data dir. Node built-ins only (it runs from scripts/start.js).
const { spawn } = require('node:child_process');
const { existsSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

/** Store functions deployed on a fresh data dir. */
const SEED_FUNCTIONS = ['echoit', 'markdown', 'nodeinfo'];
/** Marker written once the seed succeeded. */
const MARKER = 'store-seeded';

/** True unless SKIFF_SEED is false/0/no/off. */
function seedEnabled(env = process.env) {
  return !/^(false|0|no|off)$/i.test(String(env.SKIFF_SEED ?? '').trim());
}

/**
 * Deploys SEED_FUNCTIONS through `skiff store deploy` unless disabled or already done for this
 * data dir. Resolves to a one-line outcome; never throws (the platform runs anyway).
 */
async function seedStore({ gatewayUrl, dataDir, repoRoot, env = process.env }) {
  if (!seedEnabled(env)) return 'store seed skipped (SKIFF_SEED=false)';
  const marker = join(dataDir, MARKER);
  if (existsSync(marker)) return undefined;
  const cli = join(repoRoot, 'apps', 'cli', 'bin', 'skiff.js');
  const args = [cli, 'store', 'deploy', ...SEED_FUNCTIONS, '--gateway', gatewayUrl, '--no-color', '--timeout', '120s'];
  const output = [];
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: repoRoot,
      env: { ...env, SKIFF_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (c) => output.push(c.toString()));
    child.stderr.on('data', (c) => output.push(c.toString()));
    child.on('error', (err) => {
      output.push(err.message);
      resolve(1);
    });
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) return `store seed failed (exit ${code}): ${output.join('').trim().split('\n').slice(-3).join(' | ')}`;
  writeFileSync(marker, `${new Date().toISOString()} ${SEED_FUNCTIONS.join(' ')}\n`);
  return `deployed store functions ${SEED_FUNCTIONS.join(', ')} (try: echo '# hi' | npx skiff invoke markdown -g ${gatewayUrl})`;
}

module.exports = { seedStore, seedEnabled, SEED_FUNCTIONS };
