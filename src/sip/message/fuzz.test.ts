/**
 * Property-based tests of the message layer (fast-check): generated messages and values survive
 * `parse(serialize(m))` unchanged; mutated, truncated and random bytes never throw or hang; the stream
 * framer finds the same messages however the bytes are chunked.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { getHeaderValues } from './header-access.ts';
import { formatNameAddr, parseNameAddr } from './name-addr.ts';
import { parseMessage } from './parse-message.ts';
import { serializeMessage } from './serialize-message.ts';
import { type FramerOutput, StreamFramer } from './stream-framer.ts';
import type { NameAddr, SipHeader, SipMessage, SipUri, Via } from './types.ts';
import { formatUri, parseUri } from './uri.ts';
import { validateRequest, validateResponse } from './validate-message.ts';
import { formatVia, parseVia, parseViaList } from './via.ts';

/** Raise with FUZZ_RUNS=… for a deeper local search. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~";
const token = fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 12 });
const lowerToken = token.map((t) => t.toLowerCase());
const label = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'),
  minLength: 1,
  maxLength: 10,
});
const hostname = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
const ipv6 = fc.ipV6().map((a) => `[${a}]`);
const host = fc.oneof(hostname, fc.ipV4(), ipv6);
/** Any text of whole code points, without CR/LF (what a header value or name can carry). */
const line = fc.string({ unit: 'binary', maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, ' '));
/** A header value as the parser returns it: no LWS at either end. */
const headerValue = line.map((s) => s.replace(/^[ \t]+|[ \t]+$/g, ''));

const uriArb: fc.Arbitrary<SipUri> = fc.oneof(
  fc
    .record(
      {
        scheme: fc.constantFrom('sip', 'sips'),
        user: fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
        password: fc.string({ unit: 'binary', maxLength: 8 }),
        host,
        port: fc.integer({ min: 0, max: 65535 }),
        params: fc.dictionary(
          lowerToken,
          fc.option(fc.string({ unit: 'binary', maxLength: 8 }), { nil: null }),
          { maxKeys: 4, noNullPrototype: true },
        ),
        headers: fc.dictionary(
          fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }),
          fc.string({ unit: 'binary', maxLength: 8 }),
          {
            maxKeys: 3,
            noNullPrototype: true,
          },
        ),
      },
      { requiredKeys: ['scheme', 'host', 'params', 'headers'], noNullPrototype: true },
    )
    .map((u) => {
      // A password only exists after a user (userinfo = user [":" password]).
      if (u.user === undefined) delete u.password;
      return u as SipUri;
    }),
  fc.record(
    {
      scheme: fc.constant('tel'),
      user: fc.string({ unit: fc.constantFrom(...'+0123456789-.()'), minLength: 1, maxLength: 15 }),
      host: fc.constant(''),
      params: fc.dictionary(lowerToken, fc.option(token, { nil: null }), {
        maxKeys: 2,
        noNullPrototype: true,
      }),
      headers: fc.constant({}),
    },
    { noNullPrototype: true },
  ),
  fc.record(
    {
      scheme: fc.constantFrom('urn', 'http', 'x-custom+1.0'),
      host: fc.constant(''),
      params: fc.constant({}),
      headers: fc.constant({}),
      opaque: fc.string({ unit: fc.constantFrom(...'abc:/?#;=@.%019'), minLength: 1, maxLength: 20 }),
    },
    { noNullPrototype: true },
  ),
);

const quotedValue = fc
  .string({ unit: 'binary', maxLength: 10 })
  .map((s) => `"${s.replace(/[\r\n]/g, '').replace(/(["\\])/g, '\\$1')}"`);
const genValue = fc.oneof(token, quotedValue, ipv6);
const headerParams = fc.dictionary(lowerToken, fc.option(genValue, { nil: null }), {
  maxKeys: 4,
  noNullPrototype: true,
});

const nameAddrArb: fc.Arbitrary<NameAddr> = fc.record(
  {
    displayName: fc.string({ unit: 'binary', maxLength: 16 }).map((s) => s.replace(/[\r\n]/g, '')),
    uri: uriArb.map(formatUri),
    params: headerParams,
  },
  { requiredKeys: ['uri', 'params'], noNullPrototype: true },
);

const viaArb: fc.Arbitrary<Via> = fc.record(
  {
    protocol: fc.tuple(token, token).map(([a, b]) => `${a}/${b}`),
    transport: token,
    host,
    port: fc.integer({ min: 0, max: 65535 }),
    params: headerParams,
  },
  { requiredKeys: ['protocol', 'transport', 'host', 'params'], noNullPrototype: true },
);

/** Header lines other than Content-Length, whose value must match the body. */
const headerArb: fc.Arbitrary<SipHeader> = fc.oneof(
  fc.record(
    { name: token.filter((n) => !['l', 'content-length'].includes(n.toLowerCase())), value: headerValue },
    { noNullPrototype: true },
  ),
  fc.record(
    { name: fc.constantFrom('From', 'f', 'To', 'Contact', 'Route'), value: nameAddrArb.map(formatNameAddr) },
    { noNullPrototype: true },
  ),
  fc.record({ name: fc.constantFrom('Via', 'v'), value: viaArb.map(formatVia) }, { noNullPrototype: true }),
  fc.record({ name: fc.constant('Subject'), value: quotedValue }, { noNullPrototype: true }),
);

const messageArb: fc.Arbitrary<SipMessage> = fc
  .record({
    start: fc.oneof(
      fc.record({ kind: fc.constant('request' as const), method: token, uri: uriArb.map(formatUri) }),
      fc.record({
        kind: fc.constant('response' as const),
        status: fc.integer({ min: 100, max: 699 }),
        reason: line,
      }),
    ),
    headers: fc.array(headerArb, { maxLength: 12 }),
    clName: fc.constantFrom('Content-Length', 'l', 'CONTENT-LENGTH'),
    clAt: fc.nat(),
    body: fc.uint8Array({ maxLength: 300 }),
  })
  .map(({ start, headers, clName, clAt, body }) => {
    const all = [...headers];
    all.splice(clAt % (all.length + 1), 0, { name: clName, value: String(body.length) });
    return { ...start, version: 'SIP/2.0', headers: all, body } as SipMessage;
  });

/** Runs every reader over a message: none may throw. */
function exercise(m: SipMessage): void {
  if (m.kind === 'request') validateRequest(m);
  else validateResponse(m);
  parseViaList(m);
  for (const h of m.headers) {
    for (const v of getHeaderValues(m, h.name)) {
      parseNameAddr(v);
      parseVia(v);
      parseUri(v);
    }
  }
  serializeMessage(m);
}

/** Mutations of a valid message: byte flips, insertions, deletions, truncation, duplication. */
const mutatedArb = fc
  .tuple(
    messageArb,
    fc.array(
      fc.tuple(
        fc.constantFrom('flip', 'insert', 'delete', 'truncate', 'repeat'),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
      ),
      { minLength: 1, maxLength: 8 },
    ),
  )
  .map(([m, edits]) => {
    let b = Array.from(serializeMessage(m));
    for (const [op, at, byte] of edits) {
      const i = b.length === 0 ? 0 : at % b.length;
      if (op === 'flip') b[i] = byte;
      else if (op === 'insert')
        b.splice(
          i,
          0,
          fc.sample(fc.constantFrom(byte, 0x0d, 0x0a, 0x20, 0x3a, 0x3b, 0x2c, 0x22, 0x3c), 1)[0] ?? byte,
        );
      else if (op === 'delete') b.splice(i, 1);
      else if (op === 'truncate') b = b.slice(0, i);
      else b = b.slice(0, i).concat(b.slice(i, i + 40), b.slice(i));
    }
    return Uint8Array.from(b);
  });

/** Splits bytes at the given cut points. */
function chunks(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

function frame(parts: Uint8Array[], maxMessageBytes?: number): FramerOutput[] {
  const f = new StreamFramer({ maxMessageBytes });
  return parts.flatMap((p) => f.push(p));
}

const notKeepAlive = (o: FramerOutput) => o.kind !== 'keepalive';

/** A generous ceiling: a hang detector, not a speed measurement (parses take microseconds). */
const HANG_MS = 1000;

function timed<T>(fn: () => T): T {
  const t0 = performance.now();
  const out = fn();
  assert.ok(performance.now() - t0 < HANG_MS, 'took far too long');
  return out;
}

describe('fuzz: round trips', () => {
  test('parse(serialize(m)) deep-equals m', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        assert.deepEqual(parseMessage(serializeMessage(m)), m);
      }),
      { numRuns: RUNS },
    );
  });

  test('parseUri(formatUri(u)) deep-equals u', () => {
    fc.assert(
      fc.property(uriArb, (u) => assert.deepEqual(parseUri(formatUri(u)), u)),
      { numRuns: RUNS },
    );
  });

  test('parseNameAddr(formatNameAddr(n)) deep-equals n', () => {
    fc.assert(
      fc.property(nameAddrArb, (n) => assert.deepEqual(parseNameAddr(formatNameAddr(n)), n)),
      { numRuns: RUNS },
    );
  });

  test('parseVia(formatVia(v)) deep-equals v', () => {
    fc.assert(
      fc.property(viaArb, (v) => assert.deepEqual(parseVia(formatVia(v)), v)),
      { numRuns: RUNS },
    );
  });
});

describe('fuzz: hostile input', () => {
  test('mutated messages never throw and every reader copes with what parses', () => {
    fc.assert(
      fc.property(mutatedArb, (bytes) => {
        const m = timed(() => parseMessage(bytes));
        assert.ok(m.kind === 'request' || m.kind === 'response' || m.kind === 'error');
        if (m.kind === 'error') {
          assert.ok(m.status >= 400 && m.status < 600);
          if (m.partial) exercise(m.partial);
        } else timed(() => exercise(m));
      }),
      { numRuns: RUNS },
    );
  });

  test('random bytes never throw', () => {
    const noise = fc.uint8Array({ maxLength: 2000 });
    const sipish = fc
      .array(
        fc.constantFrom(
          'INVITE ',
          'SIP/2.0',
          ' ',
          '\r\n',
          ':',
          ';',
          ',',
          '"',
          '\\',
          '<',
          '>',
          '%',
          'l: 5',
          'Via',
          'a',
          '=',
          '\t',
          '\n',
        ),
        {
          maxLength: 200,
        },
      )
      .map((parts) => new TextEncoder().encode(parts.join('')));
    fc.assert(
      fc.property(fc.oneof(noise, sipish), (bytes) => {
        const m = timed(() => parseMessage(bytes));
        if (m.kind !== 'error') exercise(m);
        frame([bytes]);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  test('pathological sizes are refused or handled in linear time', () => {
    const big = (s: string, n: number) => s.repeat(n);
    const inputs = [
      `OPTIONS sip:a@b SIP/2.0\r\nX: ${big('"', 60000)}\r\n\r\n`,
      `OPTIONS sip:a@b SIP/2.0\r\nContact: ${big('<', 30000)}${big('>', 30000)}\r\n\r\n`,
      `OPTIONS sip:a@b SIP/2.0\r\nVia: ${big('SIP/2.0/UDP h;a=b,', 3500)}\r\n\r\n`,
      `OPTIONS sip:a@b SIP/2.0\r\nTo: <sip:${big('%25', 8000)}@b>${big(';p', 5000)}\r\n\r\n`,
      `OPTIONS sip:a@b SIP/2.0\r\n${big(' continuation\r\n', 4000)}\r\n`,
      `OPTIONS sip:a@b SIP/2.0\r\n${big('X:\r\n', 16000)}\r\n`,
      big('\r\n', 32000),
      big('\n', 65535),
      `SIP/2.0 200 ${big('x', 65000)}\r\n\r\n`,
    ];
    for (const s of inputs) {
      const m = timed(() => parseMessage(s));
      if (m.kind !== 'error') timed(() => exercise(m));
      timed(() => frame([new TextEncoder().encode(s)]));
      timed(() => frame(chunks(new TextEncoder().encode(s), [1, 100, 5000, 20000])));
    }
  });
});

describe('fuzz: stream framing', () => {
  const streamArb = fc.array(
    fc.oneof(
      { weight: 4, arbitrary: messageArb.map(serializeMessage) },
      { weight: 1, arbitrary: fc.constantFrom('\r\n\r\n', '\r\n').map((s) => new TextEncoder().encode(s)) },
    ),
    { minLength: 1, maxLength: 6 },
  );

  test('valid messages come out equal whatever the chunking', () => {
    fc.assert(
      fc.property(streamArb, fc.array(fc.nat(), { maxLength: 20 }), (parts, cuts) => {
        const all = Uint8Array.from(parts.flatMap((p) => Array.from(p)));
        const expected = parts.filter((p) => p[0] !== 0x0d).map((p) => parseMessage(p));
        assert.deepEqual(frame([all]).filter(notKeepAlive), expected);
        assert.deepEqual(frame(chunks(all, cuts)).filter(notKeepAlive), expected);
      }),
      { numRuns: RUNS },
    );
  });

  test('keep-alives are found when the chunking does not split them', () => {
    fc.assert(
      fc.property(streamArb, (parts) => {
        const out = frame(parts);
        const pings = parts.filter((p) => p.length === 4 && p[0] === 0x0d).length;
        assert.equal(out.filter((o) => o.kind === 'keepalive' && o.ping).length, pings);
      }),
      { numRuns: RUNS },
    );
  });

  test('mutated streams give the same messages and errors whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(mutatedArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (parts, cuts) => {
          const all = Uint8Array.from(parts.flatMap((p) => Array.from(p)));
          const whole = frame([all], 4096).filter(notKeepAlive);
          const cut = frame(chunks(all, cuts), 4096).filter(notKeepAlive);
          assert.deepEqual(cut, whole);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
