import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readProviderInfo } from './provider-info';

describe('readProviderInfo', () => {
  const release = (JSON.parse(readFileSync(join(__dirname, '../../../../package.json'), 'utf8')) as { version: string }).version;

  it('reports skiff, the orchestration and the package version', () => {
    const info = readProviderInfo('local', 'abc1234');
    expect(info).toEqual({ provider: 'skiff', orchestration: 'local', version: { release, sha: 'abc1234' } });
  });

  it('falls back to git, then to unknown', () => {
    expect(readProviderInfo('local', '').version.sha).toMatch(/^([0-9a-f]{40}|unknown)$/);
    expect(readProviderInfo('local', '', '/').version).toEqual({ release: 'unknown', sha: 'unknown' });
  });
});
