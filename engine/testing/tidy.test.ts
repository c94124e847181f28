// The house rules that a machine can check (after Pebble internal/lint and TigerBeetle
// src/tidy.zig): who may import whom (a DAG, no cycles), that only engine/io touches node:fs
// or reads real time and randomness, that every file opens with a header comment, and that
// lines stay within 100 columns. A failure names the file and line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const repoRoot = normalize(join(import.meta.dirname, '..', '..'));
const sourceRoots = ['engine', 'server', 'client', 'cli', 'bench', 'fixtures'];

interface SourceFile {
  path: string; // relative to the repository root, with "/"
  text: string;
  imports: Array<{ specifier: string; target: string | null; line: number }>;
}

function listSources(): SourceFile[] {
  const paths: string[] = [];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(join(repoRoot, dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'results') walk(path);
      } else if (entry.name.endsWith('.ts')) {
        paths.push(path);
      }
    }
  };
  for (const root of sourceRoots) walk(root);
  return paths.sort().map((path) => {
    const text = readFileSync(join(repoRoot, path), 'utf8');
    return { path, text, imports: parseImports(path, text) };
  });
}

function parseImports(path: string, text: string): SourceFile['imports'] {
  const pattern = new RegExp(
    [
      String.raw`(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]`,
      String.raw`import\(\s*['"]([^'"]+)['"]\s*\)`,
      String.raw`(?:^|\n)\s*import\s+['"]([^'"]+)['"]`,
    ].join('|'),
    'g',
  );
  const found: SourceFile['imports'] = [];
  for (const match of text.matchAll(pattern)) {
    const specifier = match[1] ?? match[2] ?? match[3]!;
    const line = text.slice(0, match.index + match[0].length).split('\n').length;
    const target = specifier.startsWith('.')
      ? relative(repoRoot, join(repoRoot, dirname(path), specifier)).split('\\').join('/')
      : null;
    found.push({ specifier, target, line });
  }
  return found;
}

const isTest = (path: string): boolean => path.endsWith('.test.ts');
const under = (path: string, folder: string): boolean => path.startsWith(`${folder}/`);
const engineBase = [
  'engine/errors.ts', 'engine/assert.ts', 'engine/limits.ts', 'engine/args.ts',
  'engine/collections',
];
const primitives = ['engine/kv', 'engine/queue', 'engine/stream', 'engine/action'];

/** The folders (or files) a non-test file may import from, by where it lives. */
function allowedTargets(path: string): string[] | 'any' {
  const own = path.slice(0, path.lastIndexOf('/'));
  if (under(path, 'engine/testing') || path.startsWith('fixtures/')) return 'any';
  if (under(path, 'engine/codec')) return [own, 'engine/errors.ts', 'engine/assert.ts'];
  if (under(path, 'engine/collections')) return [own, 'engine/assert.ts'];
  if (under(path, 'engine/io')) return [own, 'engine/errors.ts', 'engine/assert.ts'];
  if (under(path, 'engine/log')) return [own, ...engineBase, 'engine/io', 'engine/codec'];
  if (under(path, 'engine/catalog')) return [own, ...engineBase, 'engine/io', 'engine/codec'];
  if (under(path, 'engine/lsm')) {
    return [own, ...engineBase, 'engine/io', 'engine/codec', 'engine/log'];
  }
  const primitive = primitives.find((folder) => under(path, folder));
  if (primitive !== undefined) {
    const allowed = [own, ...engineBase, 'engine/io', 'engine/codec', 'engine/log', 'engine/lsm',
      'engine/catalog'];
    // Actions are built on the queue primitive (issue: "no second queue implementation").
    if (primitive === 'engine/action') allowed.push('engine/queue');
    return allowed;
  }
  if (under(path, 'engine')) return ['engine'];
  if (under(path, 'server/wire')) return ['server/wire'];
  if (under(path, 'server')) return ['server', 'engine/mod.ts'];
  if (under(path, 'client')) return ['client', 'server/wire'];
  if (under(path, 'cli')) return ['cli', 'engine/mod.ts', 'server/mod.ts', 'client/mod.ts'];
  if (under(path, 'bench')) return ['bench', 'engine/mod.ts', 'server/mod.ts', 'client/mod.ts'];
  return [];
}

function matchesTarget(target: string, allowed: string): boolean {
  return target === allowed || target.startsWith(`${allowed}/`);
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const sources = listSources();

test('tidy: imports follow the layer DAG', () => {
  const problems: string[] = [];
  for (const file of sources) {
    if (isTest(file.path)) continue;
    const allowed = allowedTargets(file.path);
    for (const { specifier, target, line } of file.imports) {
      if (target === null) continue;
      if (target.startsWith('engine/testing/') && !under(file.path, 'engine/testing')) {
        problems.push(`${file.path}:${line} imports test support ${specifier}`);
      }
      if (target.startsWith('fixtures/') && !file.path.startsWith('fixtures/')) {
        problems.push(`${file.path}:${line} imports fixtures ${specifier}`);
      }
      if (allowed === 'any') continue;
      if (!allowed.some((folder) => matchesTarget(target, folder))) {
        problems.push(`${file.path}:${line} may not import ${target}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('tidy: only engine/io touches node:fs or reads real time and randomness', () => {
  const problems: string[] = [];
  const forbiddenCall =
    /\b(Date\.now|setTimeout|setInterval|Math\.random|performance\.now)\s*\(|\bnew Date\(\s*\)/;
  for (const file of sources) {
    if (!under(file.path, 'engine') || under(file.path, 'engine/io')) continue;
    if (isTest(file.path) || under(file.path, 'engine/testing')) continue;
    for (const { specifier, line } of file.imports) {
      if (/^(node:)?fs(\/promises)?$/.test(specifier)) {
        problems.push(`${file.path}:${line} imports ${specifier}`);
      }
    }
    stripComments(file.text).split('\n').forEach((text, index) => {
      const match = forbiddenCall.exec(text);
      if (match) problems.push(`${file.path}:${index + 1} calls ${match[0]}`);
    });
  }
  assert.deepEqual(problems, []);
});

test('tidy: the import graph has no cycles', () => {
  const graph = new Map<string, string[]>();
  for (const file of sources) {
    if (isTest(file.path)) continue;
    graph.set(file.path, file.imports.flatMap(({ target }) => (target === null ? [] : [target])));
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[] = [];
  const visit = (node: string, stack: string[]): void => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'visiting') {
      cycles.push([...stack.slice(stack.indexOf(node)), node].join(' -> '));
      return;
    }
    state.set(node, 'visiting');
    for (const next of graph.get(node) ?? []) visit(next, [...stack, node]);
    state.set(node, 'done');
  };
  for (const node of graph.keys()) visit(node, []);
  assert.deepEqual(cycles, []);
});

test('tidy: every file opens with a header comment of at least two lines', () => {
  const missing = sources
    .filter((file) => !/^(#![^\n]*\n)?\/\/[^\n]*\n\/\//.test(file.text))
    .map((file) => file.path);
  assert.deepEqual(missing, []);
});

test('tidy: lines are at most 100 columns', () => {
  const long: string[] = [];
  for (const file of sources) {
    file.text.split('\n').forEach((line, index) => {
      if (line.length > 100) long.push(`${file.path}:${index + 1} (${line.length})`);
    });
  }
  assert.deepEqual(long, []);
});

test('tidy: no enums or namespaces (erasable TypeScript only)', () => {
  const problems: string[] = [];
  for (const file of sources) {
    stripComments(file.text).split('\n').forEach((line, index) => {
      if (/^\s*(export\s+)?(const\s+)?enum\s/.test(line) || /^\s*namespace\s/.test(line)) {
        problems.push(`${file.path}:${index + 1}`);
      }
    });
  }
  assert.deepEqual(problems, []);
});
