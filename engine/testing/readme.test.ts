// Runs the README's code examples exactly as written (the blocks after a
// `<!-- readme-example: name -->` marker), from the repository root, in a child process, so
// the README cannot drift from the code.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const examples = [...readme.matchAll(/<!-- readme-example: (\S+) -->\n```ts\n([\s\S]*?)```/g)];

test('the README has runnable examples', () => {
  assert.ok(examples.length >= 1);
});

for (const [, name, code] of examples) {
  test(`README example "${name}" runs as written`, () => {
    const file = join(root, `.readme-example-${name}.ts`);
    writeFileSync(file, code!);
    try {
      const result = spawnSync(process.execPath, ['--import', 'tsx', file],
        { cwd: root, encoding: 'utf8', timeout: 60_000 });
      assert.equal(result.status, 0, result.stderr);
      assert.ok(result.stdout.length > 0, 'the example prints something');
      if (name === 'log') assert.match(result.stdout, /offset \d+: created/);
      if (name === 'kv') {
        assert.match(result.stdout, /user:1 = Ada Lovelace \(version 2, 2 versions/);
      }
      if (name === 'actions') assert.match(result.stdout, /run-\w+ completed: hello Ada/);
      if (name === 'server') assert.match(result.stdout, /namespaces: default, shop/);
      if (name === 'queue') {
        assert.match(result.stdout, /sent: welcome ada, reset bob\n/);
        assert.match(result.stdout, /billing saw: order-1 created, order-1 paid\n/);
      }
    } finally {
      rmSync(file, { force: true });
      rmSync(join(root, 'data', 'example-log'), { recursive: true, force: true });
    }
  });
}
