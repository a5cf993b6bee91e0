import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UPLOT_FILES, defaultUiDir, uplotDistDir } from './ui-assets';

describe('portal assets', () => {
  const repo = resolve(__dirname, '../../../..');

  it('finds apps/ui from the sources and from the build layout', () => {
    expect(defaultUiDir(__dirname)).toBe(join(repo, 'apps', 'ui'));
    // dist/apps/gateway/src/ui sits one level deeper under the same root.
    expect(defaultUiDir(join(repo, 'dist', 'apps', 'gateway', 'src', 'ui'))).toBe(join(repo, 'apps', 'ui'));
  });

  it('finds nothing where there is no apps/ui/index.html', () => {
    const empty = mkdtempSync(join(tmpdir(), 'skiff-ui-'));
    try {
      expect(defaultUiDir(empty)).toBeUndefined();
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('serves only uPlot files that exist in the installed package', () => {
    for (const file of UPLOT_FILES) expect(existsSync(join(uplotDistDir(), file))).toBe(true);
  });
});
