'use strict';
// Copies what the built watchdog loads into one folder: the dist files reached from its main.js by
// require(), and the npm packages those name with their production dependencies. The watchdog image
// carries only that (~10 MB instead of the platform's whole node_modules).
// Usage: node watchdog-closure.js <repo root with dist/ and node_modules/> <out dir>
const { cpSync, existsSync, readFileSync } = require('node:fs');
const { dirname, join, relative, resolve } = require('node:path');

const [root, out] = process.argv.slice(2).map((p) => resolve(p));
const entry = join(root, 'dist', 'apps', 'watchdog', 'src', 'main.js');
const files = new Set();
const packages = new Set();
const REQUIRE = /require\(["']([^"']+)["']\)|import\(["']([^"']+)["']\)/g;

function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function resolveFile(base) {
  for (const candidate of [base, `${base}.js`, join(base, 'index.js')]) {
    if (existsSync(candidate) && candidate.endsWith('.js')) return candidate;
  }
  throw new Error(`cannot resolve ${base}`);
}

function walk(file) {
  if (files.has(file)) return;
  files.add(file);
  for (const m of readFileSync(file, 'utf8').matchAll(REQUIRE)) {
    const spec = m[1] ?? m[2];
    if (spec.startsWith('node:')) continue;
    if (spec.startsWith('.')) walk(resolveFile(resolve(dirname(file), spec)));
    else if (!require('node:module').isBuiltin(spec)) addPackage(packageName(spec), root);
  }
}

/** A package and, recursively, its dependencies, as npm laid them out (hoisted or nested). */
function addPackage(name, from) {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) {
      if (packages.has(candidate)) return;
      packages.add(candidate);
      const pkg = JSON.parse(readFileSync(join(candidate, 'package.json'), 'utf8'));
      for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) addPackage(dep, candidate);
      return;
    }
    if (dir === root || dirname(dir) === dir) {
      if (from !== root) return; // an optional dependency npm did not install
      throw new Error(`package ${name} is not installed`);
    }
    dir = dirname(dir);
  }
}

walk(entry);
for (const file of files) cpSync(file, join(out, relative(root, file)));
for (const dir of packages) cpSync(dir, join(out, relative(root, dir)), { recursive: true });
cpSync(join(root, 'package.json'), join(out, 'package.json'));
console.log(`watchdog closure: ${files.size} files, ${packages.size} packages → ${out}`);
