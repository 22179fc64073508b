/**
 * A re-offer in the dialog (`CallMedia.reoffer`, RFC 3264 §8) as the engine sees it: a new codec at a new
 * address switches both in one step (the re-opened session starts at the new address), a new address
 * alone only moves the session, and successive re-offers reach the engine in their order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MediaEngine } from '../../media/index.ts';
import { CallMedia, isMediaFailure } from './call-media.ts';

type Call = [op: string, ...args: unknown[]];

/** An engine that records what it is asked, answering each step after a turn of the event loop. */
function recordingEngine(): { engine: MediaEngine; calls: Call[] } {
  const calls: Call[] = [];
  const later = () => new Promise((r) => setImmediate(r));
  const engine = {
    createSession: async () => ({ id: 's1', localPort: 40000 }),
    setCodec: async (_id: string, codec: { name: string }, _te: unknown, remote?: { port: number }) => {
      calls.push(['setCodec', codec.name, remote?.port]);
      await later();
    },
    setRemote: async (_id: string, remote: { port: number }) => {
      calls.push(['setRemote', remote.port]);
      await later();
    },
    closeSession: async () => {},
  } as unknown as MediaEngine;
  return { engine, calls };
}

function sdp(port: number, formats: Array<[number, string]>): string {
  return [
    'v=0',
    `o=phone 1 ${port} IN IP4 127.0.0.1`,
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP ${formats.map(([pt]) => pt).join(' ')}`,
    ...formats.map(([pt, name]) => `a=rtpmap:${pt} ${name}/8000`),
    '',
  ].join('\r\n');
}

const PCMU: [number, string] = [0, 'PCMU'];
const PCMA: [number, string] = [8, 'PCMA'];

async function answered(engine: MediaEngine): Promise<CallMedia> {
  const media = await CallMedia.answer(engine, sdp(20000, [PCMU]), '127.0.0.1');
  assert.ok(!isMediaFailure(media), JSON.stringify(media));
  return media;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

test('a re-offer of another codec at another address switches both at once', async () => {
  const { engine, calls } = recordingEngine();
  const media = await answered(engine);
  const body = media.reoffer(sdp(20002, [PCMA]));
  assert.match(body ?? '', /m=audio 40000 RTP\/AVP 8\b/);
  await settle();
  // Not setCodec then setRemote: the re-opened session would send A-law to the old port in between.
  assert.deepEqual(calls, [['setCodec', 'PCMA', 20002]]);
});

test('a re-offer at another address with the codec in use only moves the session', async () => {
  const { engine, calls } = recordingEngine();
  const media = await answered(engine);
  media.reoffer(sdp(20002, [PCMU, PCMA]));
  await settle();
  assert.deepEqual(calls, [['setRemote', 20002]]);
});

test('successive re-offers reach the engine one after the other, in their order', async () => {
  const { engine, calls } = recordingEngine();
  const media = await answered(engine);
  media.reoffer(sdp(20002, [PCMA]));
  media.reoffer(sdp(20004, [PCMU]));
  await settle();
  assert.deepEqual(calls, [
    ['setCodec', 'PCMA', 20002],
    ['setCodec', 'PCMU', 20004],
  ]);
  assert.equal(media.audio?.codec.encoding, 'PCMU');
});
