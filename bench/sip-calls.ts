/**
 * `npm run bench -- sip-calls`: whole calls through the SIP stack (transport, transactions, dialogs).
 * sipp's built-in `uac` places calls (INVITE → 180 → 200 → ACK → BYE → 200, no pause) against a
 * minimal UAS built on our stack over UDP, for a few seconds. Reported per CPU second of this process's
 * main thread (process.threadCpuUsage), so the figure means "calls per core" on a busy machine; the
 * wall-clock rate is printed beside it. Needs sipp (Debian package sip-tester).
 */

import { SipStack } from '../src/sip/stack.ts';
import { UdpTransport } from '../src/sip/transport/udp-transport.ts';
import { freePort } from '../test/interop/helpers/ports.ts';
import { describeSipp, runSipp, sippPath } from '../test/interop/helpers/sipp.ts';

export default async function main(): Promise<void> {
  if (!sippPath()) {
    console.log('sipp is not installed: nothing measured');
    console.log(JSON.stringify({ bench: 'sip-calls', skipped: 'sipp missing' }));
    return;
  }
  const seconds = Number(process.env.BENCH_SECONDS ?? 3);
  const rate = Number(process.env.BENCH_CALL_RATE ?? 600);
  const transport = await UdpTransport.listen({
    host: '127.0.0.1',
    port: await freePort(),
    rateLimit: false,
  });
  const stack = new SipStack([transport], { viaHost: '127.0.0.1' });
  const contact = [{ name: 'Contact', value: stack.contact('udp', 'bench') }];
  stack.onRequest((inc) => {
    if (inc.request.method === 'INVITE') {
      stack.createUasDialog(inc, inc.reply(180, undefined, { headers: contact }));
      stack.createUasDialog(inc, inc.reply(200, undefined, { headers: contact }));
    } else inc.reply(200);
  });
  const heapBefore = process.memoryUsage().heapUsed;
  const cpuBefore = process.threadCpuUsage();
  const started = performance.now();
  const r = await runSipp({
    scenario: 'uac',
    remote: `127.0.0.1:${transport.localPort}`,
    calls: rate * seconds,
    rate,
    limit: rate,
    callLengthMs: 0,
    timeoutSeconds: seconds * 10 + 10,
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = process.threadCpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
  const stats = stack.stats();
  await stack.close();
  await transport.close();
  if (r.successfulCalls === 0) {
    console.log(describeSipp(r));
    throw new Error('no call completed');
  }
  const callsPerCpuSecond = Math.round(r.successfulCalls / cpuSeconds);
  const callsPerWallSecond = Math.round(r.successfulCalls / wallSeconds);
  console.log(
    `calls completed         ${r.successfulCalls} (failed ${r.failedCalls}) in ${wallSeconds.toFixed(1)} s`,
  );
  console.log(`calls per CPU second    ${callsPerCpuSecond}  (6 SIP messages each, main thread)`);
  console.log(`calls per wall second   ${callsPerWallSecond}  (offered ${rate}/s by sipp)`);
  console.log(`CPU used by the stack   ${cpuSeconds.toFixed(2)} s`);
  console.log(
    `heap growth             ${(heapGrowth / 1024 / 1024).toFixed(1)} MiB (dialogs left: ${stats.dialogs})`,
  );
  console.log(
    JSON.stringify({
      bench: 'sip-calls',
      calls: r.successfulCalls,
      failedCalls: r.failedCalls,
      callsPerCpuSecond,
      callsPerWallSecond,
      offeredRate: rate,
    }),
  );
}
