#!/usr/bin/env node
'use strict';
// `node scripts/k8s-secrets.js [out dir] [--prefix faas]`: writes what deploy/k8s's secretGenerator
// reads (default deploy/k8s/secrets/, git-ignored), after `npm run build`:
//   auth.conf                NATS operator mode: the operator JWT, the system account, the platform's
//                            account (preloaded); the NATS servers include it
//   <service>.creds          one NATS user per service, with exactly that service's permissions
//   issuer.nk                the account signing key: the provider mints each function's NATS user with it
//   admin-password           the gateway's admin password (user admin)
//   redis-password, secrets-key (the provider's key sealing secret values at rest)
// The seeds (keys/) stay on this machine: keep them (or the whole folder) to mint again later with
// the same operator; running it again keeps existing keys and passwords and re-mints the credentials.
const { existsSync, mkdirSync, readFileSync } = require('node:fs');
const { randomBytes } = require('node:crypto');
const { join, resolve } = require('node:path');
const { REPO_ROOT } = require('./lib/paths');

const GiB = 1024 ** 3;

async function main() {
  const args = process.argv.slice(2);
  const at = args.indexOf('--prefix');
  const prefix = at >= 0 ? args.splice(at, 2)[1] : process.env.SKIFF_SUBJECT_PREFIX || 'faas';
  const out = resolve(args[0] || join(REPO_ROOT, 'deploy', 'k8s', 'secrets'));
  const auth = join(REPO_ROOT, 'dist', 'libs', 'nats', 'src', 'auth');
  if (!existsSync(join(auth, 'bus-setup.js'))) throw new Error(`${auth} is missing: run npm run build first`);
  const { loadOrCreateBusKeys, busJwts, writePrivateFile } = require(join(auth, 'bus-keys.js'));
  const { writePlatformCredentials } = require(join(auth, 'bus-setup.js'));
  const { issuerFileContents } = require(join(auth, 'bus-credentials.js'));

  mkdirSync(out, { recursive: true, mode: 0o700 });
  const keys = loadOrCreateBusKeys(join(out, 'keys'));
  // Matches nats.yaml: 8 GiB of file store and 256 MiB of memory per server.
  const jwts = await busJwts(keys, { maxFileBytes: 8 * GiB, maxMemoryBytes: 256 * 1024 * 1024 });
  const system = keys.system.getPublicKey();
  const account = keys.account.getPublicKey();
  writePrivateFile(
    join(out, 'auth.conf'),
    [
      '# Written by scripts/k8s-secrets.js: every client needs a user JWT signed by the platform account.',
      `operator: ${jwts.operator}`,
      `system_account: ${system}`,
      'resolver: MEMORY',
      'resolver_preload: {',
      `  ${system}: ${jwts.system}`,
      `  ${account}: ${jwts.account}`,
      '}',
      '',
    ].join('\n'),
  );
  const issuer = { signer: keys.signer, account };
  writePrivateFile(join(out, 'issuer.nk'), issuerFileContents(issuer));
  await writePlatformCredentials(issuer, prefix, out);
  const keep = (name, make) => {
    const file = join(out, name);
    if (!existsSync(file) || !readFileSync(file, 'utf8').trim()) writePrivateFile(file, make());
  };
  keep('admin-password', () => randomBytes(18).toString('base64url'));
  keep('redis-password', () => randomBytes(24).toString('base64url'));
  keep('secrets-key', () => randomBytes(32).toString('base64'));
  process.stdout.write(
    `wrote ${out} (prefix ${prefix}): NATS operator config, credentials of six services and the issuer, admin and Redis passwords, the secrets key\n` +
      'next: kubectl apply -k deploy/k8s\n',
  );
}

main().catch((err) => {
  process.stderr.write(`k8s-secrets: ${err.message}\n`);
  process.exit(1);
});
