import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INSTALL_MOUNT, SandboxLayout, parseHostPaths } from './sandbox-layout';

describe('parseHostPaths', () => {
  it('reads comma-separated absolute paths, read-only unless :rw', () => {
    expect(parseHostPaths(' /opt/tools , /srv/data:rw,/srv/ro:ro,', '/var/lib/skiff')).toEqual([
      { path: '/opt/tools', writable: false },
      { path: '/srv/data', writable: true },
      { path: '/srv/ro', writable: false },
    ]);
    expect(parseHostPaths('', '/d')).toEqual([]);
  });

  it('refuses a relative path and any path that contains the data dir', () => {
    expect(() => parseHostPaths('tools', '/d')).toThrow(/not an absolute path/);
    expect(() => parseHostPaths('/srv', '/srv/skiff/.skiff')).toThrow(/contains SKIFF_DATA_DIR/);
    expect(() => parseHostPaths('/', '/d')).toThrow(/contains SKIFF_DATA_DIR/);
    expect(parseHostPaths('/srv/skiff/.skiff-other', '/srv/skiff/.skiff')).toHaveLength(1);
  });
});

describe('SandboxLayout', () => {
  let dir: string;
  let entry: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'layout-spec-'));
    mkdirSync(join(dir, 'node_modules'));
    mkdirSync(join(dir, 'dist', 'apps', 'watchdog', 'src'), { recursive: true });
    mkdirSync(join(dir, 'dist', 'libs'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{}');
    entry = join(dir, 'dist', 'apps', 'watchdog', 'src', 'main.js');
    writeFileSync(entry, '');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const layout = (dataDir: string) => new SandboxLayout(entry, [], dataDir, join(dir, 'etc-stage'));

  it('binds only the watchdog, the shared libs and node_modules of the installation, at /opt/skiff', () => {
    const l = layout(join(dir, 'data'));
    expect(l.watchdogEntry).toBe(`${INSTALL_MOUNT}/dist/apps/watchdog/src/main.js`);
    expect(l.openArgs.join(' ')).toContain(`--ro-bind ${join(dir, 'dist/apps/watchdog')} ${INSTALL_MOUNT}/dist/apps/watchdog`);
    expect(l.openArgs.join(' ')).toContain(`--ro-bind ${join(dir, 'dist/libs')} ${INSTALL_MOUNT}/dist/libs`);
    expect(l.openArgs.join(' ')).toContain(`--ro-bind ${join(dir, 'node_modules')} ${INSTALL_MOUNT}/node_modules`);
    expect(l.openArgs.join(' ')).not.toContain(`${dir}/package.json`);
    expect(l.insidePath(entry)).toBe(l.watchdogEntry);
    expect(l.insidePath('-c')).toBe('-c');
  });

  it('stages a small /etc of its own: no shadow, a passwd of the replica user only', () => {
    const l = layout(join(dir, 'data'));
    expect(l.systemArgs.join(' ')).toContain(`--ro-bind ${join(dir, 'etc-stage')} /etc`);
    expect(l.systemArgs.join(' ')).not.toMatch(/shadow|sudoers/);
    expect(readFileSync(join(dir, 'etc-stage', 'passwd'), 'utf8')).toMatch(/^root:.*\nnobody:x:65534:65534:/);
  });

  it('covers the data dir with a tmpfs wherever a bind would show it, and only there', () => {
    const data = join(dir, 'node_modules', '.skiff');
    expect(layout(data).maskArgs).toEqual(['--tmpfs', `${INSTALL_MOUNT}/node_modules/.skiff`]);
    const l = layout(join(dir, 'data'));
    expect(l.maskArgs).toEqual([]);
    expect(l.masksFor([{ src: dir, dest: '/home/app' }])).toEqual(['--tmpfs', '/home/app/data']);
    expect(l.masksFor([{ src: join(dir, 'data', 'bundles', 'abc'), dest: '/home/app' }])).toEqual([]);
  });
});
