/**
 * `npm run bench -- mixer-path`: the JavaScript cost of one conference member per 20 ms tick, without
 * sockets. 1,000 G.711 RTP sessions on an in-memory transport (packets handed to them directly, sends
 * counted) in rooms of 10 and in one room of 500, everyone talking (each a distinct tone), driven tick by
 * tick as the media worker does: every packet received (parse, latching-free path, jitter buffer), then
 * every session's pull (playout, DTMF timing, RTCP), then every room's mix (talker detection, sums, each
 * talker's N−1 encoded into its packet).
 *
 * `npm run bench -- mixer` measures the whole thing over real UDP; this one isolates the part the code can
 * change from the kernel's part (on this kind of machine a loopback UDP send costs 3–5 µs by itself), so a
 * change to the media path shows up here without the noise of sockets and load generators.
 *
 * Options: `--ticks N` (measured ticks per case, default 1500). Last line: one JSON object.
 */

import { pcmu } from '../src/media/codec/g711.ts';
import { getCodecFactory } from '../src/media/codec/index.ts';
import { ConferenceMixer } from '../src/media/mixer/conference-mixer.ts';
import { generateTone } from '../src/media/processor/goertzel.ts';
import { MemoryTransport } from '../src/media/session/memory-transport.ts';
import { RtpSession } from '../src/media/session/rtp-session.ts';

const MEMBERS = 1000;
const RTP_BYTES = 172;

interface Member {
  transport: MemoryTransport;
  session: RtpSession;
  seq: number;
  ts: number;
  ssrc: number;
  tone: number;
}

interface CaseResult {
  roomSize: number;
  usPerMemberTick: number;
  cpuUsPerMemberTick: number;
  packetsSentPerTick: number;
}

function runCase(roomSize: number, ticks: number): CaseResult {
  const factory = getCodecFactory('PCMU', 8000)!;
  const codec = pcmu.create();
  // 8 tones × 50 frames (1 s) of PCMU; member i sends tone i % 8.
  const tones = [300, 440, 550, 700, 850, 1000, 1200, 1500].map((f) =>
    Array.from({ length: 50 }, (_, i) =>
      codec.encode(generateTone(f, 8000, 160, 5000, (2 * Math.PI * f * 160 * i) / 8000)).slice(),
    ),
  );
  const members: Member[] = [];
  const rooms: ConferenceMixer[] = [];
  for (let i = 0; i < MEMBERS; i++) {
    const transport = new MemoryTransport();
    const session = new RtpSession(
      { id: `m${i}`, codec: { name: 'PCMU', payloadType: 0, clockRate: 8000 }, rtpTimeoutMs: 0 },
      factory,
      transport,
    );
    members.push({ transport, session, seq: i * 7, ts: i * 1000, ssrc: i + 1, tone: i % tones.length });
    if (i % roomSize === 0) rooms.push(new ConferenceMixer(`r${i}`));
    rooms.at(-1)!.add(session);
  }
  let nowMs = 0;
  const tick = (k: number) => {
    for (const m of members) {
      const buf = Buffer.allocUnsafe(RTP_BYTES);
      buf[0] = 0x80;
      buf[1] = 0;
      buf.writeUInt16BE(m.seq, 2);
      buf.writeUInt32BE(m.ts >>> 0, 4);
      buf.writeUInt32BE(m.ssrc, 8);
      buf.set(tones[m.tone]![k % 50]!, 12);
      m.seq = (m.seq + 1) & 0xffff;
      m.ts += 160;
      m.transport.receive(buf, nowMs);
    }
    nowMs += 20;
    for (const m of members) m.session.pull(nowMs);
    for (const r of rooms) r.mix();
  };
  // Warm-up: jitter buffers filled, talkers detected, code optimised.
  for (let k = 0; k < 300; k++) tick(k);
  const sentBefore = members.reduce((a, m) => a + m.transport.stats().packetsSent, 0);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < ticks; k++) tick(k);
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sent = members.reduce((a, m) => a + m.transport.stats().packetsSent, 0) - sentBefore;
  for (const m of members) m.session.close();
  for (const r of rooms) r.close();
  return {
    roomSize,
    usPerMemberTick: wallUs / ticks / MEMBERS,
    cpuUsPerMemberTick: (cpu.user + cpu.system) / ticks / MEMBERS,
    packetsSentPerTick: sent / ticks,
  };
}

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : fallback;
}

export default async function main(args: string[] = process.argv.slice(2)): Promise<void> {
  const ticks = arg(args, 'ticks', 1500);
  const results: CaseResult[] = [];
  for (const roomSize of [10, 500]) {
    const r = runCase(roomSize, ticks);
    results.push(r);
    console.log(
      `${MEMBERS} members in rooms of ${roomSize}, everyone talking: ${r.usPerMemberTick.toFixed(2)} µs per member per tick ` +
        `(CPU ${r.cpuUsPerMemberTick.toFixed(2)} µs), ${Math.round(r.packetsSentPerTick)} packets sent per tick ` +
        `→ the media code alone would carry ${Math.round(20_000 / r.cpuUsPerMemberTick)} members per core`,
    );
  }
  const [ten, big] = results as [CaseResult, CaseResult];
  console.log(
    JSON.stringify({
      bench: 'mixer-path',
      usPerMemberTickRooms10: +ten.usPerMemberTick.toFixed(3),
      usPerMemberTickRoom500: +big.usPerMemberTick.toFixed(3),
      cpuUsPerMemberTickRooms10: +ten.cpuUsPerMemberTick.toFixed(3),
      cpuUsPerMemberTickRoom500: +big.cpuUsPerMemberTick.toFixed(3),
    }),
  );
}
