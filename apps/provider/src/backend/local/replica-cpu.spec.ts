import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CpuSampler, treeTicks } from './replica-cpu';

const linux = existsSync('/proc/self/stat');

(linux ? describe : describe.skip)('replica CPU from /proc', () => {
  it('counts a process tree, including children that were waited for', () => {
    const before = treeTicks(process.pid);
    execFileSync(process.execPath, ['-e', 'const t = Date.now() + 300; let x = 0; while (Date.now() < t) x++;']);
    expect(treeTicks(process.pid) - before).toBeGreaterThan(5);
  });

  it('reports millicores since the previous sample of the same key (0 the first time)', () => {
    const sampler = new CpuSampler();
    const t0 = Date.now();
    expect(sampler.sample('fn', [process.pid], t0)).toBe(0);
    execFileSync(process.execPath, ['-e', 'const t = Date.now() + 300; let x = 0; while (Date.now() < t) x++;']);
    expect(sampler.sample('fn', [process.pid], Date.now())).toBeGreaterThan(50);
    expect(sampler.sample('gone', [2 ** 22 + 7], Date.now())).toBe(0);
  });
});
