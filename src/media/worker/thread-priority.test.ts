import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { parseThreadPriority } from './thread-priority.ts';

test('priority settings: the three words, realtime by default, anything else refused', () => {
  assert.equal(parseThreadPriority(undefined), 'realtime');
  assert.equal(parseThreadPriority(''), 'realtime');
  assert.equal(parseThreadPriority(' High '), 'high');
  assert.equal(parseThreadPriority('normal'), 'normal');
  const bad = parseThreadPriority('fast');
  assert.ok(typeof bad !== 'string' && /realtime, high or normal/.test(bad.error));
});

/** Runs `raiseThreadPriority(wanted)` in a fresh worker thread; what it got and the thread's policy/nice. */
interface Outcome {
  got: string;
  policy: number;
  nice: number;
}

function inWorker(wanted: string): Promise<Outcome> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { readFileSync } = require('node:fs');
    import(workerData.module).then(({ raiseThreadPriority }) => {
      const got = raiseThreadPriority(workerData.wanted);
      const sched = readFileSync('/proc/thread-self/sched', 'utf8');
      const stat = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ');
      parentPort.postMessage({ got, policy: Number(/policy\\s*:\\s*(\\d+)/.exec(sched)[1]), nice: Number(stat[16]) });
    });`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, {
      eval: true,
      workerData: { wanted, module: new URL('./thread-priority.ts', import.meta.url).href },
    });
    w.once('message', (m) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

const linux = process.platform === 'linux';

test('a media thread gets what it asks for as far as permitted, and only that thread', {
  skip: !linux,
}, async () => {
  // Whether this process may raise priorities (root or CAP_SYS_NICE): the answer must match it.
  const capEff = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
  const mayRaise = (capEff & (1n << 23n)) !== 0n; // CAP_SYS_NICE
  const results = [await inWorker('normal'), await inWorker('high'), await inWorker('realtime')];
  // What each thread says it got is what the kernel shows for it.
  for (const r of results) {
    if (r.got === 'realtime') assert.equal(r.policy, 2, 'SCHED_RR');
    else if (r.got === 'high') assert.deepEqual([r.policy, r.nice], [0, -10]);
    else assert.deepEqual([r.got, r.policy, r.nice], ['normal', 0, 0]);
  }
  const [normal, high, rt] = results as [Outcome, Outcome, Outcome];
  assert.equal(normal.got, 'normal');
  if (mayRaise) {
    assert.equal(high.got, 'high');
    // Real-time needs the native addon; without it the thread falls back to nice −10.
    assert.notEqual(rt.got, 'normal');
  }
  // The test's own thread (and so the process's other threads) is untouched.
  const own = readFileSync('/proc/thread-self/sched', 'utf8');
  assert.equal(Number(/policy\s*:\s*(\d+)/.exec(own)![1]), 0);
});
