import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The real `skiff` executable (package.json "bin"). */
export const SKIFF_BIN = resolve(__dirname, '..', '..', 'apps', 'cli', 'bin', 'skiff.js');

/** What one run of skiff did. */
export interface SkiffRun {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** A sandbox for CLI runs: a temporary HOME (credentials) and project folder, a gateway URL. */
export class SkiffSandbox {
  /** Temporary root. */
  readonly root = mkdtempSync(join(tmpdir(), 'skiff-cli-'));
  /** HOME of the runs (~/.skiff/config.yml lands here). */
  readonly home = join(this.root, 'home');
  /** Working folder of the runs. */
  readonly project = join(this.root, 'project');

  constructor(
    /** Environment added to every run (SKIFF_URL, SKIFF_DATA_DIR...). */
    readonly env: Record<string, string | undefined> = {},
  ) {
    mkdirSync(this.home, { recursive: true });
    mkdirSync(this.project, { recursive: true });
  }

  /** Runs `skiff ...args` with `input` on stdin (empty by default) and waits for it to end. */
  run(
    args: string[],
    options: { input?: string | Buffer; cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {},
  ): Promise<SkiffRun> {
    const env: Record<string, string | undefined> = {
      ...process.env,
      HOME: this.home,
      NO_COLOR: '1',
      SKIFF_ADMIN_PASSWORD: undefined,
      SKIFF_URL: undefined,
      OPENFAAS_URL: undefined,
      ...this.env,
      ...(options.env ?? {}),
    };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    return new Promise((resolveRun, reject) => {
      const child = spawn(process.execPath, [SKIFF_BIN, ...args], {
        cwd: options.cwd ?? this.project,
        env: env as NodeJS.ProcessEnv,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolveRun({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
      });
      child.stdin.end(options.input ?? '');
    });
  }

  /** Runs skiff and fails with its output unless it exits 0. */
  async ok(args: string[], options: Parameters<SkiffSandbox['run']>[1] = {}): Promise<SkiffRun> {
    const r = await this.run(args, options);
    if (r.code !== 0) throw new Error(`skiff ${args.join(' ')} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
    return r;
  }

  /** Removes the sandbox. */
  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Writes a minimal pure-Python wheel (skifftestpkg, VALUE = 42) into argv[1]. */
export const WHEEL_SCRIPT = `
import base64, hashlib, os, sys, zipfile
files = {
  'skifftestpkg/__init__.py': b'VALUE = 42\\n',
  'skifftestpkg-1.0.dist-info/METADATA': b'Metadata-Version: 2.1\\nName: skifftestpkg\\nVersion: 1.0\\n',
  'skifftestpkg-1.0.dist-info/WHEEL': b'Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n',
}
record = [n + ',sha256=' + base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode() + ',' + str(len(d)) for n, d in files.items()]
files['skifftestpkg-1.0.dist-info/RECORD'] = ('\\n'.join(record + ['skifftestpkg-1.0.dist-info/RECORD,,']) + '\\n').encode()
with zipfile.ZipFile(os.path.join(sys.argv[1], 'skifftestpkg-1.0-py3-none-any.whl'), 'w') as z:
    for n, d in files.items():
        z.writestr(n, d)
`;
