import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  formatParams,
  isParseError,
  isToken,
  parseDigits,
  parseError,
  parseParams,
  quote,
  setOwn,
  skipQuoted,
  splitOutside,
  trimLws,
  unquote,
} from './lexer.ts';

describe('lexer', () => {
  test('tokens (RFC 3261 §25.1)', () => {
    assert.ok(isToken("!interesting-Method0123456789_*+`.%indeed'~"));
    for (const bad of ['', 'a b', 'a:b', 'a"b', 'a<b', 'é', 'a\tb', 'a/b']) assert.ok(!isToken(bad), bad);
  });

  test('trimLws', () => {
    assert.equal(trimLws(' \t a b \r\n'), 'a b');
    assert.equal(trimLws('ab'), 'ab');
    assert.equal(trimLws('   '), '');
  });

  test('quoted strings: skip, unquote, quote', () => {
    assert.equal(skipQuoted('"a\\"b" rest', 0), 6);
    assert.equal(skipQuoted('"open', 0), -1);
    assert.equal(skipQuoted('"ends with backslash\\"', 0), -1);
    assert.equal(unquote('"a\\"b\\\\c"'), 'a"b\\c');
    assert.equal(quote('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(unquote(quote('any "thing" \\ here')), 'any "thing" \\ here');
  });

  test('splitOutside: not inside quotes or <>; null for an open quote', () => {
    assert.deepEqual(splitOutside('a, "b,c" <d,e>;x , f', ','), ['a', '"b,c" <d,e>;x', 'f']);
    assert.deepEqual(splitOutside('', ','), ['']);
    assert.equal(splitOutside('a, "b', ','), null);
  });

  test('parseParams / formatParams', () => {
    const into: Record<string, string | null> = {};
    assert.equal(parseParams(' Tag = 1 ;lr; q=0.5;x="a;b"; maddr=[::1]', into), undefined);
    assert.deepEqual(into, { tag: '1', lr: null, q: '0.5', x: '"a;b"', maddr: '[::1]' });
    assert.equal(formatParams(into), ';tag=1;lr;q=0.5;x="a;b";maddr=[::1]');
    for (const bad of ['', 'a;;b', '=1', 'a=', 'a="x', 'a=b c', 'a b=1']) {
      assert.ok(isParseError(parseParams(bad, {})), bad);
    }
  });

  test('parseDigits: leading zeros, limits, non-digits', () => {
    assert.equal(parseDigits('0068', 3), 68);
    assert.equal(parseDigits('0', 1), 0);
    assert.equal(parseDigits('4294967295', 10), 4294967295);
    assert.equal(parseDigits('1234', 3), -1);
    for (const bad of ['', '-1', '1.5', ' 1', '1a']) assert.equal(parseDigits(bad, 10), -1, bad);
  });

  test('setOwn keeps __proto__ as a plain own property', () => {
    const o: Record<string, string> = {};
    setOwn(o, '__proto__', 'x');
    assert.equal(Object.getPrototypeOf(o), Object.prototype);
    assert.deepEqual(Object.keys(o), ['__proto__']);
  });

  test('parseError values', () => {
    assert.deepEqual(parseError('x'), { kind: 'error', message: 'x', status: 400 });
    assert.equal(parseError('y', 513).status, 513);
    assert.ok(isParseError(parseError('x')));
    for (const v of [null, undefined, 'error', {}, { kind: 'request' }]) assert.ok(!isParseError(v));
  });
});
