// test_readers_node.mjs -- node:test cases for t_test_junit.sh and t_test_tap.sh (T2's readers):
// a pass, a failure, a skip, a todo that throws, and a parent with a passing and a failing child.
import test from 'node:test';
import assert from 'node:assert';
test('passes', () => {});
test('fails', () => { assert.strictEqual(1, 2); });
test('skipped', { skip: 'not here' }, () => {});
test('todo', { todo: 'later' }, () => { throw new Error('x'); });
test('parent', async (t) => {
  await t.test('child ok', () => {});
  await t.test('child bad', () => { throw new Error('bad child'); });
});
