// JSON operations (wire spec §7.2.9; conformance 71-72): the path grammar (every form it
// allows, and what it refuses), get/set/delete on documents, compact output, and the KV
// store's jsonGet/jsonSet/jsonDel with their NOT_FOUND / BAD_REQUEST cases, versions and TTL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import { EngineError, NotFoundError } from '../errors.ts';
import { openKv, text } from '../testing/kv_fixture.ts';
import {
  compactJson, jsonDelete, jsonGet, jsonSet, parsePath, type JsonValue,
} from './json_path.ts';

test('parsePath accepts the subset and refuses everything else', () => {
  assert.deepEqual(parsePath(''), []);
  assert.deepEqual(parsePath('$'), []);
  assert.deepEqual(parsePath(`$.a_b-1[0]['x y'].c["q'r"][12]`), [
    { kind: 'member', name: 'a_b-1' }, { kind: 'index', index: 0 },
    { kind: 'member', name: 'x y' }, { kind: 'member', name: 'c' },
    { kind: 'member', name: "q'r" }, { kind: 'index', index: 12 },
  ]);
  for (const bad of ['a', '$.', '$..a', '$[*]', '$[-1]', '$[0:2]', '$[?(@.a)]', '$.a.*',
    "$['']", '$[1', '$.a b', "$['a'", '$["a"x']) {
    assert.throws(() => parsePath(bad), /unsupported path/, bad);
  }
});

test('documents: get, set (replace, add, append) and delete (elements move down)', () => {
  const doc = JSON.parse('{"a":{"b":1},"l":[1,2,3],"__proto__":{"x":1}}') as JsonValue;
  assert.equal(compactJson(jsonGet(doc, parsePath('$.a'))!), '{"b":1}');
  assert.equal(jsonGet(doc, parsePath('$.a.c')), undefined);
  assert.equal(jsonGet(doc, parsePath('$.l[3]')), undefined);
  assert.equal(jsonGet(doc, parsePath('$.a[0]')), undefined);
  assert.equal(compactJson(jsonGet(doc, parsePath("$['__proto__'].x"))!), '1');
  assert.equal(jsonSet(doc, parsePath('$.l[3]'), 4), null);
  assert.equal(jsonSet(doc, parsePath('$.l[5]'), 6), 'not-found');
  assert.equal(jsonSet(doc, parsePath('$.l.x'), 6), 'wrong-type');
  assert.equal(jsonSet(doc, parsePath('$.a[0]'), 6), 'wrong-type');
  assert.equal(jsonSet(doc, parsePath('$.nope.x'), 6), 'not-found');
  assert.equal(jsonSet(doc, parsePath('$.a.new'), 'n'), null);
  assert.equal(jsonSet(doc, parsePath('$.zz'), { y: [true, null] }), null);
  assert.equal(jsonDelete(doc, parsePath('$.l[0]')), true);
  assert.equal(jsonDelete(doc, parsePath('$.l[9]')), false);
  assert.equal(compactJson(doc),
    '{"a":{"b":1,"new":"n"},"l":[2,3,4],"__proto__":{"x":1},"zz":{"y":[true,null]}}');
  assert.equal(Object.getPrototypeOf(doc), Object.prototype);
});

test('set then get of a member path round-trips any JSON value', () => {
  const jsonValue = fc.jsonValue() as fc.Arbitrary<JsonValue>;
  fc.assert(fc.property(fc.dictionary(fc.string({ minLength: 1 }).filter((s) =>
    !s.includes("'")), jsonValue), fc.string({ minLength: 1 }).filter((s) => !s.includes("'")),
  jsonValue, (base, name, value) => {
    const doc = JSON.parse(JSON.stringify(base)) as JsonValue;
    const path = parsePath(`$['${name}']`);
    assert.equal(jsonSet(doc, path, value), null);
    assert.equal(compactJson(jsonGet(doc, path)!), compactJson(value));
    assert.equal(jsonDelete(doc, path), true);
    assert.equal(jsonGet(doc, path), undefined);
  }), fcParams());
});

test('the KV JSON ops: set at $, get a sub-path, set and delete members (71-72)', async () => {
  const { kv, clock } = await openKv();
  const v1 = await kv.jsonSet('', 'j', '$', ' {"a" : {"b": 1}} ');
  assert.deepEqual(await kv.jsonGet('', 'j', '$.a'), { version: v1, json: '{"b":1}' });
  assert.equal(text(await kv.get('', 'j')), '{"a":{"b":1}}');
  assert.equal(await kv.jsonGet('', 'j', '$.a.missing'), null);
  assert.equal(await kv.jsonGet('', 'nokey', '$'), null);
  const v2 = await kv.jsonSet('', 'j', '$.a.c', '[1,2]');
  assert.ok(v2 > v1);
  const v3 = await kv.jsonSet('', 'j', '$.a.c[2]', '3');
  assert.equal(text(await kv.get('', 'j')), '{"a":{"b":1,"c":[1,2,3]}}');
  const v4 = await kv.jsonDel('', 'j', '$.a.b');
  assert.ok(v4 > v3);
  assert.deepEqual(await kv.jsonGet('', 'j', '$'), { version: v4, json: '{"a":{"c":[1,2,3]}}' });
  await kv.touch('', 'j', 100);
  await kv.jsonSet('', 'j', '$.x', 'true');
  await kv.jsonSet('', 'j', '$', '{}');
  clock.advance(100);
  assert.equal(await kv.get('', 'j'), null, 'JSON writes keep the TTL');
  await kv.close();
});

test('the KV JSON ops report missing keys, paths and parents, wrong types, bad JSON',
  async () => {
    const { kv } = await openKv();
    await kv.jsonSet('', 'j', '$', '{"l":[0],"o":{}}');
    await kv.put('', 'raw', 'not json');
    const invalid = (error: unknown): boolean =>
      error instanceof EngineError && error.code === 'INVALID_ARGUMENT';
    await assert.rejects(kv.jsonSet('', 'missing', '$.a', '1'), NotFoundError);
    await assert.rejects(kv.jsonSet('', 'j', '$.none.a', '1'), NotFoundError);
    await assert.rejects(kv.jsonSet('', 'j', '$.l[2]', '1'), NotFoundError);
    await assert.rejects(kv.jsonSet('', 'j', '$.l.a', '1'), invalid);
    await assert.rejects(kv.jsonSet('', 'j', '$.o[0]', '1'), invalid);
    await assert.rejects(kv.jsonSet('', 'j', '$.a', '{bad'), RangeError);
    await assert.rejects(kv.jsonSet('', 'raw', '$.a', '1'), invalid);
    await assert.rejects(kv.jsonGet('', 'raw', '$'), invalid);
    await assert.rejects(kv.jsonGet('', 'j', '$..l'), /unsupported path/);
    await assert.rejects(kv.jsonDel('', 'j', '$.o.none'), NotFoundError);
    await assert.rejects(kv.jsonDel('', 'missing', '$'), NotFoundError);
    assert.equal(await kv.jsonDel('', 'j', '$'), 0);
    assert.equal(await kv.get('', 'j'), null);
    await kv.close();
  });
