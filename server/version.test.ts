// The version the server reports is the version package.json declares, so a release bump
// cannot leave /health and `flo --version` behind.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { floVersion } from './version.ts';

test('floVersion equals the version in package.json', () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
  assert.equal(floVersion, (pkg as { version: string }).version);
});
