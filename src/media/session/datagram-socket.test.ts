import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { type DatagramPath, type DatagramSocket, openDatagramSocket } from './datagram-socket.ts';
import { drainNativeDatagrams, NativeDatagramSocket, nativeUdp, receiveNativeOnTick } from './native-udp.ts';

const paths: DatagramPath[] = ['dgram', 'native'];

async function open(path: DatagramPath, address = '127.0.0.1', port = 0): Promise<DatagramSocket> {
  const s = await openDatagramSocket({ address, port, recvBufferBytes: 48 * 1024, path });
  if (s instanceof Error) throw s;
  return s;
}

function peer(type: 'udp4' | 'udp6' = 'udp4', address = '127.0.0.1'): Promise<Socket> {
  const s = createSocket(type);
  return new Promise((resolve) => s.bind(0, address, () => resolve(s)));
}

function until(check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = () => (check() ? resolve() : setTimeout(poll, 5));
    poll();
  });
}

for (const path of paths) {
  const skip = path === 'native' && !nativeUdp() ? 'the native addon is not built' : false;

  test(`${path}: datagrams both ways with their source; ports are exclusive; close is idempotent`, {
    skip,
  }, async () => {
    const s = await open(path);
    assert.equal(s.path, path);
    const p = await peer();
    const got: { text: string; address: string; port: number }[] = [];
    s.onMessage = (packet, address, port) => got.push({ text: packet.toString(), address, port });
    const back: string[] = [];
    p.on('message', (m) => back.push(m.toString()));
    for (let i = 0; i < 50; i++) p.send(`hello ${i}`, s.port, '127.0.0.1');
    await until(() => got.length === 50);
    assert.deepEqual(
      got.map((g) => g.text),
      Array.from({ length: 50 }, (_, i) => `hello ${i}`),
    );
    assert.equal(got[0]!.address, '127.0.0.1');
    assert.equal(got[0]!.port, p.address().port);
    for (let i = 0; i < 20; i++) s.send(Buffer.from(`back ${i}`), p.address().port, '127.0.0.1');
    await until(() => back.length === 20);
    assert.deepEqual(
      back,
      Array.from({ length: 20 }, (_, i) => `back ${i}`),
    );
    // A port is owned by one socket: binding it again fails with an error value.
    const again = await openDatagramSocket({ address: '127.0.0.1', port: s.port, recvBufferBytes: 0, path });
    assert.ok(again instanceof Error);
    assert.equal((again as NodeJS.ErrnoException).code, 'EADDRINUSE');
    s.close();
    s.close();
    // The port is free again.
    const reopened = await open(path, '127.0.0.1', s.port);
    assert.equal(reopened.port, s.port);
    reopened.close();
    p.close();
  });

  test(`${path}: each datagram carries its own source when sources alternate`, {
    skip,
  }, async () => {
    const s = await open(path);
    const peers = [await peer('udp4', '127.0.0.2'), await peer('udp4', '127.0.0.3')];
    const got: string[] = [];
    s.onMessage = (packet, address, port) => got.push(`${packet.toString()} ${address}:${port}`);
    const sent: string[] = [];
    try {
      for (const k of [0, 0, 1, 0, 1, 1]) {
        const p = peers[k]!;
        const text = `from ${k} #${sent.length}`;
        sent.push(`${text} ${p.address().address}:${p.address().port}`);
        p.send(text, s.port, '127.0.0.1');
        // One at a time: the order of arrival is then the order sent.
        await until(() => got.length === sent.length);
      }
      assert.deepEqual(got, sent);
    } finally {
      s.close();
      for (const p of peers) p.close();
    }
  });

  test(`${path}: IPv6 loopback; a bad address is an error value`, {
    skip,
  }, async () => {
    const bad = await openDatagramSocket({ address: 'not-an-address', port: 0, recvBufferBytes: 0, path });
    assert.ok(bad instanceof Error);
    const s = await open(path, '::1');
    const p = await peer('udp6', '::1');
    const got: { address: string; port: number }[] = [];
    s.onMessage = (_packet, address, port) => got.push({ address, port });
    p.send('x', s.port, '::1');
    await until(() => got.length === 1);
    assert.deepEqual(got[0], { address: '::1', port: p.address().port });
    const back: string[] = [];
    p.on('message', (m) => back.push(m.toString()));
    s.send(Buffer.from('y'), p.address().port, '::1');
    await until(() => back.length === 1);
    s.close();
    p.close();
  });
}

test('native: a receive error reaches onError; datagrams above the slot size arrive marked oversized', {
  skip: nativeUdp() ? false : 'the native addon is not built',
}, async () => {
  const s = await open('native');
  const p = await peer();
  const sizes: number[] = [];
  s.onMessage = (packet) => sizes.push(packet.length);
  p.send(Buffer.alloc(4000), s.port, '127.0.0.1');
  p.send(Buffer.alloc(100), s.port, '127.0.0.1');
  await until(() => sizes.length === 2);
  assert.ok(sizes[0]! > 2048, 'the big datagram is reported larger than any RTP packet');
  assert.equal(sizes[1], 100);
  const errors: string[] = [];
  s.onError = (e) => errors.push(e.message);
  NativeDatagramSocket.find(s.port)?.fail(new Error('network is down'));
  assert.deepEqual(errors, ['network is down']);
  s.close();
  assert.equal(NativeDatagramSocket.find(s.port), undefined);
  p.close();
});

test('native: a send the kernel refuses is counted on the socket that sent it, within a batch of several', {
  skip: nativeUdp() ? false : 'the native addon is not built',
}, async () => {
  const a = await open('native');
  const b = await open('native');
  const p = await peer();
  const got: string[] = [];
  p.on('message', (m) => got.push(m.toString()));
  try {
    // One batch (one loop turn): a, b, a, b, a. Every send of b's goes to port 0, which the kernel refuses.
    for (let i = 0; i < 5; i++) {
      if (i % 2 === 0) a.send(Buffer.from(`a${i}`), p.address().port, '127.0.0.1');
      else b.send(Buffer.from(`b${i}`), 0, '127.0.0.1');
    }
    await until(() => got.length === 3);
    assert.deepEqual(got, ['a0', 'a2', 'a4']);
    assert.equal(a.sendErrors, 0);
    assert.equal(b.sendErrors, 2);
    // And the other way round, in a second batch.
    for (let i = 0; i < 4; i++) {
      if (i % 2 === 0) a.send(Buffer.from(`a${i}`), 0, '127.0.0.1');
      else b.send(Buffer.from(`b${i}`), p.address().port, '127.0.0.1');
    }
    await until(() => got.length === 5);
    assert.deepEqual(got.slice(3), ['b1', 'b3']);
    assert.equal(a.sendErrors, 2);
    assert.equal(b.sendErrors, 2);
  } finally {
    a.close();
    b.close();
    p.close();
  }
});

/**
 * Runs `body` (CommonJS, awaited) in a thread of its own with a fresh instance of the addon: this thread's
 * instance has an epoll set that the sockets above drain. In scope: `addon`, `W` (record words),
 * `sleep(ms)`, `peer()` (a dgram socket bound on 127.0.0.1) and `done(result)`, which returns `result`.
 */
async function inFreshAddon<T>(body: string): Promise<T> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { createSocket } = require('node:dgram');
    const addon = require(workerData.addon);
    const W = addon.recordWords;
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const peer = () => new Promise((r) => { const s = createSocket('udp4'); s.bind(0, '127.0.0.1', () => r(s)); });
    const done = (result) => parentPort.postMessage(result);
    (async () => {
      ${body}
    })();`;
  const addonFile = new URL('../../../native/build/Release/parley_udp.node', import.meta.url).pathname;
  const w = new Worker(code, { eval: true, workerData: { addon: addonFile } });
  try {
    return await new Promise<T>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  } finally {
    await w.terminate();
  }
}

test('native: a batch larger than the send ring leaves whole and in order, through io_uring and through sendto alike; a refused datagram is reported in its record', {
  skip: nativeUdp() ? false : 'the native addon is not built',
}, async () => {
  type Run = { ring: boolean; failures: number; refused: number; got: string[][] };
  const r = await inFreshAddon<{ ring: Run; plain: Run }>(`
      const run = async (useRing) => {
        addon.ioUring(useRing);
        // 1,100 datagrams (the ring takes 1,024 per submission) from 3 sockets to 11 receivers, and one to
        // port 0, which the kernel refuses, in the middle of the batch.
        const total = 1101;
        const refusedAt = 600;
        const peers = [];
        for (let k = 0; k < 11; k++) peers.push(await peer());
        const got = peers.map(() => []);
        peers.forEach((p, k) => p.on('message', (m) => got[k].push(m.toString())));
        const fds = [0, 1, 2].map(() => addon.open('127.0.0.1', 0, 0));
        const slab = new Uint8Array(total * 16);
        const records = new Int32Array(total * W);
        const to = new Int32Array(W);
        addon.parseAddress('127.0.0.1', to);
        for (let i = 0, j = 0; i < total; i++) {
          const text = i === refusedAt ? 'refused' : 'p' + j;
          for (let c = 0; c < text.length; c++) slab[i * 16 + c] = text.charCodeAt(c);
          records.set(to, i * W);
          records[i * W] = fds[i % 3];
          records[i * W + 1] = i * 16;
          records[i * W + 2] = text.length;
          records[i * W + 3] = i === refusedAt ? 0 : peers[j++ % 11].address().port;
        }
        const failures = addon.sendBatch(total, slab, records);
        for (let waited = 0; waited < 5000 && got.some((g) => g.length < 100); waited += 10) await sleep(10);
        for (const p of peers) p.close();
        for (const fd of fds) addon.close(fd);
        return { ring: addon.ioUring(), failures, refused: records[refusedAt * W + 2], got };
      };
      const ring = await run(true);
      const plain = await run(false);
      done({ ring, plain });`);
  if (!r.ring.ring) console.log('# io_uring is not available here: only the sendto path was checked');
  assert.equal(r.plain.ring, false, 'ioUring(false) turns the ring off');
  for (const run of [r.ring, r.plain]) {
    assert.equal(run.failures, 1);
    assert.equal(run.refused, -22, 'EINVAL, in the refused record');
    for (let k = 0; k < 11; k++) {
      assert.deepEqual(
        run.got[k],
        Array.from({ length: 100 }, (_, n) => `p${n * 11 + k}`),
      );
    }
  }
});

test('native: a connected socket takes datagrams from its peer only; each datagram carries its kernel arrival age', {
  skip: nativeUdp() ? false : 'the native addon is not built',
}, async () => {
  const r = await inFreshAddon<{
    connected: number;
    refused: number;
    sources: number[];
    ages: number[];
    friend: number;
  }>(`
      const fd = addon.open('127.0.0.1', 0, 0);
      const port = addon.localPort(fd);
      const friend = await peer();
      const stranger = await peer();
      const connected = addon.connect(fd, '127.0.0.1', friend.address().port);
      const refused = addon.connect(fd, 'not an address', 1);
      addon.watch(fd, 7);
      // The kernel turns receive timestamps on in a deferred work item when the first socket asks: until
      // then datagrams are stamped when read. Let it happen before sending.
      await sleep(100);
      stranger.send('from a stranger', port, '127.0.0.1');
      friend.send('from the peer', port, '127.0.0.1');
      await sleep(100);
      const slab = new Uint8Array(64 * 1024);
      const records = new Int32Array(W * 16);
      const n = addon.drain(slab, 0, records);
      const sources = [];
      const ages = [];
      for (let i = 0; i < n; i++) {
        sources.push(records[i * W + 3]);
        ages.push(records[i * W + 9]);
      }
      const friendPort = friend.address().port;
      addon.close(fd);
      friend.close();
      stranger.close();
      done({ connected, refused, sources, ages, friend: friendPort });`);
  assert.equal(r.connected, 0);
  assert.ok(r.refused < 0, 'a bad address is refused, not thrown');
  assert.deepEqual(r.sources, [r.friend], 'only the peer’s datagram is read, not the stranger’s');
  // Sent, then read 100 ms later: the kernel's receive timestamp says how long it waited (µs).
  assert.ok(r.ages[0]! >= 80_000 && r.ages[0]! < 60_000_000, `arrival age ${r.ages[0]} µs`);
});

test('native, read per tick: nothing is handed over until the drain, and each datagram keeps its arrival time', {
  skip: nativeUdp() ? false : 'the native addon is not built',
}, async () => {
  const s = await open('native');
  const p = await peer();
  const got: { text: string; at: number }[] = [];
  s.onMessage = (packet, _address, _port, arrivalMs) =>
    got.push({ text: packet.toString(), at: arrivalMs ?? -1 });
  const undo = receiveNativeOnTick();
  // As above: the kernel's receive timestamps are on once its deferred work has run.
  await new Promise((r) => setTimeout(r, 100));
  try {
    const sentAt = performance.now();
    p.send('early', s.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(got.length, 0, 'not read between ticks');
    const drainedAt = performance.now();
    drainNativeDatagrams();
    assert.deepEqual(
      got.map((g) => g.text),
      ['early'],
    );
    // The kernel's receive time, not the drain's: ~100 ms before it.
    const at = got[0]!.at;
    assert.ok(
      at >= sentAt - 20 && at <= drainedAt - 50,
      `sent ${sentAt}, arrived ${at}, drained ${drainedAt}`,
    );
  } finally {
    undo();
    undo();
  }
  // Undone: datagrams are read as they arrive again.
  p.send('later', s.port, '127.0.0.1');
  await until(() => got.length === 2);
  assert.equal(got[1]!.text, 'later');
  // The second undo() above did nothing: asking again reads per tick again.
  const again = receiveNativeOnTick();
  try {
    p.send('per tick again', s.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(got.length, 2, 'not read between ticks');
    drainNativeDatagrams();
    assert.equal(got[2]?.text, 'per tick again');
  } finally {
    again();
  }
  s.close();
  p.close();
});

test('native, busy sockets: listed after three drains in a row, a backlog read down at once, back to epoll when quiet', {
  skip: nativeUdp() ? false : 'the native addon is not built',
}, async () => {
  // Drained by hand, as the media worker drains per tick.
  const r = await inFreshAddon<Record<string, unknown>>(`
      const slab = new Uint8Array(64 * 1024);
      const records = new Int32Array(W * 64);
      const drain = () => {
        const n = addon.drain(slab, 0, records, 1);
        const texts = [];
        for (let i = 0; i < n; i++) {
          const at = records[i * W + 1];
          texts.push(Buffer.from(slab.subarray(at, at + records[i * W + 2])).toString());
        }
        return texts;
      };
      const sender = await peer();
      const fd = addon.open('127.0.0.1', 0, 0);
      const port = addon.localPort(fd);
      addon.watch(fd, 3);
      addon.listBusy(true);
      await sleep(100); // the kernel's receive timestamps are on (deferred work)
      // On loopback a datagram is in the receiving socket's queue once its send callback has run (the
      // kernel may leave the delivery to its softirq thread under load: a few ms more).
      const send = async (...texts) => {
        await Promise.all(texts.map((t) => new Promise((r) => sender.send(t, port, '127.0.0.1', r))));
        await sleep(5);
      };
      const r = { reads: [], listed: [] };
      for (let i = 0; i < 3; i++) {
        await send('p' + i);
        r.reads.push(drain());
        r.listed.push(addon.listed());
      }
      await send('a', 'b', 'c');
      r.burst = [drain(), drain(), drain()];
      for (let i = 0; i < 50; i++) drain();
      r.afterQuiet = addon.listed();
      await send('q');
      r.quiet = drain();
      for (let i = 0; i < 3; i++) { await send('r' + i); drain(); }
      r.relisted = addon.listed();
      addon.listBusy(false);
      r.unlisted = addon.listed();
      await send('s');
      r.epoll = drain();
      addon.listBusy(true);
      for (let i = 0; i < 3; i++) { await send('t' + i); drain(); }
      r.beforeClose = addon.listed();
      addon.close(fd);
      r.afterClose = addon.listed();
      sender.close();
      done(r);`);
  assert.deepEqual(r.reads, [['p0'], ['p1'], ['p2']], 'each drain reads what came, listed or not');
  assert.deepEqual(r.listed, [0, 0, 1], 'read in three drains in a row: read directly from then on');
  // Three at once: the first drain takes one (it came after the previous drain began); the next sees the
  // others were already waiting then, so it reads them both rather than one per tick.
  assert.deepEqual(r.burst, [['a'], ['b', 'c'], []]);
  assert.equal(r.afterQuiet, 0, 'empty for 50 drains: back in the epoll set');
  assert.deepEqual(r.quiet, ['q'], 'and still read there');
  assert.equal(r.relisted, 1);
  assert.equal(r.unlisted, 0, 'listBusy(false) puts every socket back');
  assert.deepEqual(r.epoll, ['s']);
  assert.equal(r.beforeClose, 1);
  assert.equal(r.afterClose, 0, 'a listed socket that closes leaves the list');
});

test('native, busy sockets: a tick read over several calls continues the list where it stopped', {
  skip: nativeUdp() ? false : 'the native addon is not built',
}, async () => {
  // 20 listed sockets, records for 8 datagrams per call: each tick takes three calls (8, 8, 4). A tick that
  // began the list again on every call would find the first sockets empty each time and, after 50 ticks,
  // send them back to epoll.
  const r = await inFreshAddon<{ ticks: string[]; calls: string[]; listed: number }>(`
      const slab = new Uint8Array(64 * 1024);
      const records = new Int32Array(W * 8);
      const sender = await peer();
      const fds = [];
      const ports = [];
      for (let i = 0; i < 20; i++) {
        const fd = addon.open('127.0.0.1', 0, 0);
        addon.watch(fd, i);
        fds.push(fd);
        ports.push(addon.localPort(fd));
      }
      addon.listBusy(true);
      const ticks = [];
      const calls = [];
      for (let tick = 0; tick < 60; tick++) {
        // In the sockets' queues once the send callbacks have run (and a few ms for the kernel's softirq).
        await Promise.all(ports.map((port, i) => new Promise((r) => sender.send('t' + tick + 's' + i, port, '127.0.0.1', r))));
        await sleep(5);
        const got = [];
        const perCall = [];
        for (let call = 0; call < 10; call++) {
          const n = addon.drain(slab, 0, records, call === 0 ? 1 : 0);
          perCall.push(n);
          for (let k = 0; k < n; k++) got.push(records[k * W]);
          if (n < 8) break;
        }
        ticks.push(got.sort((a, b) => a - b).join(','));
        calls.push(perCall.join('+'));
      }
      const listed = addon.listed();
      for (const fd of fds) addon.close(fd);
      sender.close();
      done({ ticks, calls, listed });`);
  const everyone = Array.from({ length: 20 }, (_, i) => i).join(',');
  assert.deepEqual(new Set(r.ticks), new Set([everyone]), 'every tick reads each socket’s datagram once');
  assert.equal(r.calls.at(-1), '8+8+4', 'over three calls');
  assert.equal(r.listed, 20, 'no socket was taken for quiet and sent back to epoll');
});
