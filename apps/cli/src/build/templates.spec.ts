import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTemplate, readTemplate } from './templates';

describe('template shared_files', () => {
  it("node20's image runs the handler in Skiff's watchdog (inproc): it shares no server file", () => {
    const node20 = findTemplate('node20', tmpdir());
    expect(node20?.sharedFiles).toEqual([]);
  });

  it('ignores entries that leave the templates folder or the build context', () => {
    const root = mkdtempSync(join(tmpdir(), 'skiff-templates-'));
    mkdirSync(join(root, 'a'));
    writeFileSync(
      join(root, 'a', 'template.yml'),
      'skiff:\n  shared_files:\n    ok.js: ../b/index.js\n    up.js: ../../etc/passwd\n    ../out.js: ../b/index.js\n',
    );
    expect(readTemplate(join(root, 'a'), 'project')?.sharedFiles).toEqual([{ target: 'ok.js', source: join(root, 'b', 'index.js') }]);
  });
});
