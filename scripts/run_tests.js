#!/usr/bin/env node
// Runs every *.test.ts below the source folders with node:test through tsx (Node 20's --test
// does not expand globs, so the list is built here). Arguments narrow the run to files whose
// path contains one of them: `npm test -- engine/log`. Sets INVARIANTS=1 so expensive
// checkInvariants() methods run. Exits non-zero when any test fails.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = ['engine', 'server', 'client', 'cli', 'bench', 'fixtures'];
const filters = process.argv.slice(2);

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') walk(path, out);
    } else if (entry.name.endsWith('.test.ts')) {
      out.push(path);
    }
  }
}

const files = [];
for (const root of roots) walk(root, files);
files.sort();
const selected = filters.length === 0
  ? files
  : files.filter((file) => filters.some((filter) => file.includes(filter)));
if (selected.length === 0) {
  console.error(`no test files match ${JSON.stringify(filters)}`);
  process.exit(1);
}

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', ...selected],
  { stdio: 'inherit', env: { ...process.env, INVARIANTS: '1' } },
);
process.exit(result.status ?? 1);
