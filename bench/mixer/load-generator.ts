/**
 * The mixer benchmark's participant process (forked by bench/mixer.ts, two of them): owns one UDP socket
 * per simulated participant, sends each a 20 ms PCMU packet of its tone every tick and counts what comes
 * back (packets, sequence gaps). Commands arrive over the IPC channel (`LoadCommand`); `report` answers
 * with a `LoadReport`.
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { pcmu } from '../../src/media/codec/g711.ts';
import { generateTone } from '../../src/media/processor/goertzel.ts';
import { NATIVE_RECORD_WORDS, type NativeUdpAddon, nativeUdp } from '../../src/media/session/native-udp.ts';
import { MediaClock } from '../../src/media/worker/clock.ts';
/**
 * How the load processes own their participants' sockets: through the native addon (one epoll set drained
 * once per tick, the tick's packets sent in one call: about half dgram's CPU per packet, so the generators
 * leave more of the machine's cores to the worker under test), or through Node's dgram.
 */
export type LoadPath = 'native' | 'dgram';

export type LoadCommand =
  | { cmd: 'add'; targets: number[] }
  | { cmd: 'start' }
  | { cmd: 'window' }
  | { cmd: 'report' }
  | { cmd: 'drop-all' }
  | { cmd: 'exit' };

export interface LoadReport {
  sent: number;
  received: number;
  lost: number;
  sendLateP99: number;
  ticksSkipped: number;
  /** CPU time of the whole load process (user + system, kernel UDP work included) and wall time, ms. */
  cpuMs: number;
  wallMs: number;
}

interface Participant {
  /** Index in the load process's participant list (the native path's socket id). */
  index: number;
  target: number;
  seq: number;
  ts: number;
  ssrc: number;
  frame: number;
  tone: number;
  lastSeq: number;
  received: number;
  lost: number;
}

/** A load process's sockets, one per participant, on one path. */
interface LoadSockets {
  readonly path: LoadPath;
  /** Binds the participant's socket on 127.0.0.1 (its index is `p.index`). */
  open(p: Participant): Promise<void>;
  /** Counts the packets that came back since the last call (dgram counts them as they arrive). */
  receive(): void;
  /** Sends every participant's next packet; returns how many the kernel took. */
  sendTick(): number;
  closeAll(): void;
}

/** An RTP packet (RFC 3550 §5.1): 12-byte header, 160 bytes of PCMU (20 ms at 8 kHz). */
const PACKET_BYTES = 172;

/** Writes participant `p`'s next packet at `buf[off…]` and advances its sequence, timestamp and frame. */
function writePacket(buf: Uint8Array, off: number, p: Participant, frame: Uint8Array): void {
  buf[off] = 0x80; // V=2
  buf[off + 1] = 0; // PT 0 (PCMU)
  buf[off + 2] = p.seq >>> 8;
  buf[off + 3] = p.seq & 0xff;
  buf[off + 4] = p.ts >>> 24;
  buf[off + 5] = (p.ts >>> 16) & 0xff;
  buf[off + 6] = (p.ts >>> 8) & 0xff;
  buf[off + 7] = p.ts & 0xff;
  buf[off + 8] = p.ssrc >>> 24;
  buf[off + 9] = (p.ssrc >>> 16) & 0xff;
  buf[off + 10] = (p.ssrc >>> 8) & 0xff;
  buf[off + 11] = p.ssrc & 0xff;
  buf.set(frame, off + 12);
  p.seq = (p.seq + 1) & 0xffff;
  p.ts = (p.ts + 160) >>> 0;
  p.frame = (p.frame + 1) % 50;
}

/**
 * A packet of `len` bytes at `buf[off…]` came back to `p`: an RTP packet is counted, with any gap in its
 * sequence numbers since the last one. The worker's RTCP reports share the port (rtcp-mux): their second
 * byte is a packet type 200–204 (RFC 5761 §4), their bytes 2–3 a length, not a sequence number (counted as
 * one, a report made the next packet look like hundreds lost whenever the stream's numbers were near it).
 */
function countReturn(p: Participant, buf: Uint8Array, off: number, len: number): void {
  if (len < 12 || buf[off]! >> 6 !== 2) return;
  const type = buf[off + 1]! & 0x7f;
  if (type >= 64 && type <= 95) return; // RTCP (RFC 5761 §4)
  const seq = (buf[off + 2]! << 8) | buf[off + 3]!;
  if (p.lastSeq >= 0) {
    const gap = (seq - p.lastSeq - 1) & 0xffff;
    if (gap < 1000) p.lost += gap;
  }
  p.lastSeq = seq;
  p.received++;
}

function dgramSockets(parts: Participant[], tones: Uint8Array[][]): LoadSockets {
  const sockets: Socket[] = [];
  return {
    path: 'dgram',
    open: (p) =>
      new Promise<void>((resolve) => {
        const socket = createSocket('udp4');
        socket.on('message', (msg: Buffer) => {
          countReturn(p, msg, 0, msg.length);
        });
        socket.bind(0, '127.0.0.1', () => resolve());
        sockets[p.index] = socket;
      }),
    receive() {},
    sendTick() {
      for (const p of parts) {
        const buf = Buffer.allocUnsafe(PACKET_BYTES);
        writePacket(buf, 0, p, tones[p.tone]![p.frame]!);
        sockets[p.index]!.send(buf, p.target, '127.0.0.1');
      }
      return parts.length;
    },
    closeAll() {
      for (const s of sockets) s.close();
      sockets.length = 0;
    },
  };
}

/** Words per packet record of the addon (native/parley-udp.c): id or fd, offset, length, port, address… */
const WORDS = NATIVE_RECORD_WORDS;
/** Each participant's packet has a fixed 8-byte-aligned slot in the send slab. */
const SEND_SLOT = (PACKET_BYTES + 7) & ~7;
/** Records per drain call; the addon reads ≤ 1,024 sockets per call (4 epoll rounds of 256). */
const DRAIN_RECORDS = 2048;
/** The addon keeps a drain's packets 8-byte aligned and wants a 2 KB slot free for the next one. */
const DRAIN_SLAB_BYTES = DRAIN_RECORDS * SEND_SLOT + 4096;

/**
 * The native path, driving the addon directly (not NativeDatagramSocket: it copies every packet received
 * into a new Buffer and formats its source address, and copies every packet sent into its slab; the
 * generator needs only the sequence number, and its packets can be written in place).
 */
function nativeSockets(addon: NativeUdpAddon, parts: Participant[], tones: Uint8Array[][]): LoadSockets {
  const fds: number[] = [];
  // The tick's packets: participant i's at i × SEND_SLOT, its record (fd, destination) written at open.
  let sendSlab = new Uint8Array(0);
  let sendRecords = new Int32Array(0);
  const loopback = new Int32Array(WORDS);
  addon.parseAddress('127.0.0.1', loopback);
  const recvSlab = new Uint8Array(DRAIN_SLAB_BYTES);
  const recvRecords = new Int32Array(DRAIN_RECORDS * WORDS);
  // No onReadable: the epoll set is drained once per tick instead of on every wake-up. The worker sends a
  // tick's mix as a burst that reaches this process over a few ms; waking for it cost a libuv turn and
  // three syscalls per handful of packets (measured: 25,000 wake-ups for 111,000 packets in 3 s, 3.6 µs of
  // CPU per packet received, 2.5 µs when drained per tick). Each socket gets one packet per 20 ms, far below
  // its receive buffer, and only counts and sequence gaps are measured here, not return latency.
  //
  // Busy sockets leave the epoll set and are read directly at every drain, as the media worker's are: a
  // socket in an epoll set costs its sender an epoll callback per datagram (on loopback the worker's send
  // runs this process's receive), and asking epoll about sockets that get a packet every tick tells
  // nothing. PARLEY_MIXER_LOAD_LIST=0 keeps them all in epoll.
  addon.listBusy(process.env.PARLEY_MIXER_LOAD_LIST !== '0');
  const receive = () => {
    for (let round = 0; round < 256; round++) {
      // The first call begins the drain; the next ones continue it where a full set of records stopped.
      const n = addon.drain(recvSlab, 0, recvRecords, round === 0 ? 1 : 0);
      for (let at = 0; at < n * WORDS; at += WORDS) {
        const len = recvRecords[at + 2]!;
        // A receive error (negative) or a truncated datagram (longer than the addon's 2 KB slot).
        if (len < 0 || len > 2048) continue;
        const p = parts[recvRecords[at]!];
        if (p) countReturn(p, recvSlab, recvRecords[at + 1]!, len);
      }
      if (n < DRAIN_RECORDS) break;
    }
  };
  const grow = (count: number) => {
    if (count * SEND_SLOT <= sendSlab.length) return;
    const slots = Math.max(count, 2 * (sendSlab.length / SEND_SLOT), 256);
    const slab = new Uint8Array(slots * SEND_SLOT);
    slab.set(sendSlab);
    sendSlab = slab;
    const records = new Int32Array(slots * WORDS);
    records.set(sendRecords);
    sendRecords = records;
  };
  return {
    path: 'native',
    receive,
    async open(p) {
      const fd = addon.open('127.0.0.1', 0, 0);
      if (fd < 0) throw new Error(`native UDP open failed (errno ${-fd})`);
      // Connected to its media port, as a phone's socket may well be: the kernel then finds it for the
      // worker's packets by early demux, with no route or wildcard lookup. On loopback that receive work
      // runs inside the worker's send and is charged to the worker, where a real phone's would run on the
      // phone; PARLEY_MIXER_LOAD_CONNECT=0 leaves the sockets unconnected (measured: ~10 % more worker CPU).
      if (process.env.PARLEY_MIXER_LOAD_CONNECT !== '0') {
        const connected = addon.connect(fd, '127.0.0.1', p.target);
        if (connected < 0) throw new Error(`native UDP connect failed (errno ${-connected})`);
      }
      const watched = addon.watch(fd, p.index);
      if (watched < 0) throw new Error(`native UDP watch failed (errno ${-watched})`);
      fds[p.index] = fd;
      grow(p.index + 1);
      const at = p.index * WORDS;
      sendRecords.set(loopback, at);
      sendRecords[at] = fd;
      sendRecords[at + 1] = p.index * SEND_SLOT;
      sendRecords[at + 2] = PACKET_BYTES;
      sendRecords[at + 3] = p.target;
    },
    sendTick() {
      const n = parts.length;
      if (n === 0) return 0;
      for (const p of parts) {
        writePacket(sendSlab, p.index * SEND_SLOT, p, tones[p.tone]![p.frame]!);
        // A failed send's length came back as -errno: restored for this tick.
        sendRecords[p.index * WORDS + 2] = PACKET_BYTES;
      }
      return n - addon.sendBatch(n, sendSlab, sendRecords);
    },
    closeAll() {
      for (const fd of fds) addon.close(fd);
      fds.length = 0;
    },
  };
}

export function runLoad(): void {
  // The benchmark process went away: so do its participants.
  process.on('disconnect', () => process.exit(0));
  // 8 tones × 50 frames (1 s) of PCMU, encoded once; each participant cycles through its tone's frames.
  const codec = pcmu.create();
  const tones = [300, 440, 550, 700, 850, 1000, 1200, 1500].map((f) =>
    Array.from({ length: 50 }, (_, i) =>
      codec.encode(generateTone(f, 8000, 160, 5000, (2 * Math.PI * f * 160 * i) / 8000)).slice(),
    ),
  );
  const parts: Participant[] = [];
  const addon = process.env.PARLEY_MIXER_LOAD_PATH === 'dgram' ? null : nativeUdp();
  const sockets = addon ? nativeSockets(addon, parts, tones) : dgramSockets(parts, tones);
  let sent = 0;
  let cpuAt = process.cpuUsage();
  let wallAt = performance.now();
  const clock = new MediaClock(() => {
    sockets.receive();
    sent += sockets.sendTick();
  });
  const send = (m: unknown) => process.send!(m);
  process.on('message', async (m: LoadCommand) => {
    switch (m.cmd) {
      case 'add': {
        await Promise.all(
          m.targets.map((target) => {
            const p: Participant = {
              index: parts.length,
              target,
              seq: Math.floor(Math.random() * 65536),
              ts: 0,
              ssrc: Math.floor(Math.random() * 0xffffffff) >>> 0,
              frame: 0,
              tone: parts.length % tones.length,
              lastSeq: -1,
              received: 0,
              lost: 0,
            };
            parts.push(p);
            return sockets.open(p);
          }),
        );
        send({ ok: true });
        return;
      }
      case 'start':
        clock.start();
        send({ ok: true, path: sockets.path });
        return;
      case 'window':
        sockets.receive();
        for (const p of parts) {
          p.received = 0;
          p.lost = 0;
        }
        sent = 0;
        clock.resetStats();
        cpuAt = process.cpuUsage();
        wallAt = performance.now();
        send({ ok: true });
        return;
      case 'report': {
        sockets.receive();
        const s = clock.stats();
        const cpu = process.cpuUsage(cpuAt);
        const r: LoadReport = {
          sent,
          received: parts.reduce((a, p) => a + p.received, 0),
          lost: parts.reduce((a, p) => a + p.lost, 0),
          sendLateP99: s.lateness.p99,
          ticksSkipped: s.skipped + s.caughtUp,
          cpuMs: (cpu.user + cpu.system) / 1000,
          wallMs: performance.now() - wallAt,
        };
        send(r);
        return;
      }
      case 'drop-all':
        sockets.closeAll();
        parts.length = 0;
        send({ ok: true });
        return;
      case 'exit':
        clock.stop();
        sockets.closeAll();
        process.exit(0);
    }
  });
}

// Run as a forked participant process (bench/mixer.ts sets the role); importing it does nothing.
if (process.env.PARLEY_MIXER_BENCH_ROLE === 'load') runLoad();
