/**
 * The batched UDP path of a media thread, over the optional native addon `native/` (parley_udp, built by
 * node-gyp at install time on Linux). Node's dgram costs about as much per datagram as the kernel does: a
 * JS callback and an address object per packet received, a request object per packet sent. A media worker
 * owns thousands of RTP sockets carrying one 20 ms packet each per tick, so here:
 *
 * - every socket of the thread sits in one epoll set that libuv polls as a single handle; when any is
 *   readable, one call drains every ready socket (one recvmsg each) and the packets are handed to their sockets;
 * - or, for the media worker (`receiveNativeOnTick`), nothing is polled and the sockets are drained once per
 *   tick of the media clock (`drainNativeDatagrams`): one wake-up per tick instead of one per handful of
 *   packets (measured: ~110 per tick at 1,000 members), each packet stamped with the time the kernel
 *   received it. Sockets that carry a packet every tick then leave the epoll set and are read directly
 *   (`listBusy`): asking epoll about them told nothing, and each send on a socket in an epoll set also
 *   woke its wait queue. A socket holding a backlog is read down in the same drain;
 * - packets sent during a turn of the event loop (a whole tick's mix) are queued and leave in one call when
 *   the turn's microtasks run (or when `flush()` is called, e.g. before a socket closes): one io_uring
 *   submission where the kernel allows it, else one sendto each (`PARLEY_IO_URING=0` forces the latter).
 *
 * When the addon is absent (not built, another OS) or `PARLEY_NATIVE_UDP=0`, `nativeUdp()` is null and
 * callers use dgram (datagram-socket.ts).
 */
import { lookup as dnsLookup } from 'node:dns';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { getSystemErrorName } from 'node:util';

/** The addon's functions (native/parley-udp.c documents them). */
export interface NativeUdpAddon {
  open(address: string, port: number, recvBufferBytes: number): number;
  localPort(fd: number): number;
  /** Connects the socket to one peer (0 or -errno); used by the benchmark's simulated phones only. */
  connect(fd: number, address: string, port: number): number;
  watch(fd: number, id: number): number;
  close(fd: number): number;
  onReadable(fn: (() => void) | null): void;
  /** `begin`: 1 (default) for a drain's first call, 0 to continue it after a full set of records. */
  drain(slab: Uint8Array, offset: number, records: Int32Array, begin?: number): number;
  /** Lets busy sockets leave the epoll set to be read directly at every drain (see native/parley-udp.c). */
  listBusy(on: boolean): void;
  /** How many sockets are read directly at every drain. */
  listed(): number;
  sendBatch(count: number, slab: Uint8Array, records: Int32Array): number;
  /**
   * Whether this thread's send batches go through io_uring (one system call per batch) rather than one
   * sendto per packet; `on` false turns it off, true back on where the kernel allows it.
   */
  ioUring(on?: boolean): boolean;
  parseAddress(text: string, out: Int32Array): number;
  formatAddress(family: number, w0: number, w1: number, w2: number, w3: number): string | undefined;
  /** Raises the calling thread: SCHED_RR at `realtime` (0 skips), else nice `nice`; 2, 1 or 0 (neither). */
  raisePriority(realtime: number, nice: number): number;
  /** Int32 words per packet record (`NATIVE_RECORD_WORDS` for the build this code expects). */
  readonly recordWords: number;
}

/** Words per packet record (see native/parley-udp.c); an addon built with another layout is not used. */
export const NATIVE_RECORD_WORDS = 10;
const WORDS = NATIVE_RECORD_WORDS;
/** Datagrams longer than this are reported truncated by the addon (its slot size). */
const NATIVE_SLOT_BYTES = 2048;
const RECV_SLAB_BYTES = 256 * 1024;
const RECV_RECORDS = 1024;
const SEND_SLAB_BYTES = 256 * 1024;
const SEND_RECORDS = 2048;
/** Drain rounds per readable event before yielding to timers (the epoll set stays readable). */
const MAX_DRAIN_ROUNDS = 4;
/** Drain rounds per tick when reading once per tick: every socket, and a few packets deep. */
const MAX_TICK_DRAIN_ROUNDS = 16;

let loaded: NativeUdpAddon | null | undefined;

/** The addon, or null when it is not built or disabled by `PARLEY_NATIVE_UDP=0`. Loaded once per thread. */
export function nativeUdp(): NativeUdpAddon | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env.PARLEY_NATIVE_UDP === '0' || process.platform !== 'linux') return loaded;
  try {
    const require = createRequire(import.meta.url);
    const addon = require('../../../native/build/Release/parley_udp.node') as NativeUdpAddon;
    // A stale build (records of another size) would misread every packet: dgram rather than that.
    if (addon.recordWords === NATIVE_RECORD_WORDS) loaded = addon;
  } catch {
    // Not built (no compiler at install time): dgram it is.
  }
  return loaded;
}

/** An errno name for a negative errno value. */
function errnoError(negErrno: number, syscall: string): NodeJS.ErrnoException {
  let code = 'EUNKNOWN';
  try {
    code = getSystemErrorName(negErrno);
  } catch {
    // Not a known errno.
  }
  const err: NodeJS.ErrnoException = new Error(`${syscall} ${code}`);
  err.code = code;
  err.errno = negErrno;
  err.syscall = syscall;
  return err;
}

/** `PARLEY_IO_URING=0`: send batches go by sendto even where io_uring is available. */
const IO_URING_OFF = process.env.PARLEY_IO_URING === '0';

/**
 * How this thread's native send batches leave: `io_uring` (one submission per batch), `sendto` (one call per
 * packet), or null without the native path. Asking sets up the thread's send ring if it has none yet.
 */
export function nativeSendPath(): 'io_uring' | 'sendto' | null {
  const addon = nativeUdp();
  if (!addon) return null;
  return !IO_URING_OFF && addon.ioUring() ? 'io_uring' : 'sendto';
}

/** Counters of this thread's native path: how well reads and sends are batched. */
export interface NativeUdpStats {
  /** Readable events handled (wake-ups), drain calls, datagrams read. */
  wakeups: number;
  drains: number;
  received: number;
  /** Send batches (one call each), datagrams in them, and sends the kernel refused. */
  batches: number;
  sent: number;
  sendFailures: number;
}

/** What a socket of the hub is told. */
interface HubMember {
  /**
   * The IPv4 source this socket's last datagram came from, as its word and its text: a socket's packets
   * nearly all come from one source, so the text is made once (0 and '0.0.0.0' before any).
   */
  sourceWord: number;
  sourceText: string;
  deliver(packet: Buffer, address: string, port: number, arrivalMs: number): void;
  fail(err: Error): void;
  sendFailed(): void;
}

/** The thread's native UDP sockets: one epoll set drained in batches, sends queued per loop turn. */
class NativeUdpHub {
  readonly addon: NativeUdpAddon;
  #members: (HubMember | undefined)[] = [];
  /** Ids freed while a drain may still hold records for them: reused only at the next drain. */
  #freed: number[] = [];
  #free: number[] = [];
  #slab = new Uint8Array(RECV_SLAB_BYTES);
  #records = new Int32Array(RECV_RECORDS * WORDS);
  #sendSlab = new Uint8Array(SEND_SLAB_BYTES);
  #sendRecords = new Int32Array(SEND_RECORDS * WORDS);
  #sendCount = 0;
  #sendOffset = 0;
  #flushQueued = false;
  readonly stats: NativeUdpStats = {
    wakeups: 0,
    drains: 0,
    received: 0,
    batches: 0,
    sent: 0,
    sendFailures: 0,
  };

  constructor(addon: NativeUdpAddon) {
    this.addon = addon;
    if (IO_URING_OFF) addon.ioUring(false);
    this.polling(tickReaders === 0);
  }

  /** Switches between reading as packets arrive (libuv polls the epoll set) and reading per tick. */
  polling(on: boolean): void {
    this.addon.onReadable(on ? this.#onReadable : null);
    // Read per tick: sockets that carry a packet every tick are read directly, outside epoll.
    this.addon.listBusy(!on);
  }

  /** Reads everything waiting now (a tick's packets), then sends what that queued. */
  drainAll(): void {
    this.#drain(MAX_TICK_DRAIN_ROUNDS);
  }

  add(fd: number, member: HubMember): number {
    const id = this.#free.pop() ?? this.#members.length;
    this.#members[id] = member;
    const r = this.addon.watch(fd, id);
    if (r < 0) {
      this.#members[id] = undefined;
      this.#free.push(id);
      throw errnoError(r, 'epoll_ctl');
    }
    return id;
  }

  remove(id: number, fd: number): void {
    // Queued packets leave first: the fd number may be reused by the next socket opened.
    this.flush();
    this.#members[id] = undefined;
    this.#freed.push(id);
    this.addon.close(fd);
  }

  #onReadable = (): void => {
    this.#drain(MAX_DRAIN_ROUNDS);
  };

  #drain(rounds: number): void {
    for (const id of this.#freed) this.#free.push(id);
    this.#freed.length = 0;
    this.stats.wakeups++;
    for (let round = 0; round < rounds; round++) {
      const n = this.addon.drain(this.#slab, 0, this.#records, round === 0 ? 1 : 0);
      const now = performance.now();
      this.stats.drains++;
      this.stats.received += n;
      this.#dispatch(n, now);
      // Fewer than a full set of records: nothing was left (or the slab filled; epoll stays readable).
      if (n < RECV_RECORDS) break;
    }
    this.flush();
  }

  /** Hands `n` drained records to their sockets; `nowMs` is when the drain returned. */
  #dispatch(n: number, nowMs: number): void {
    const recs = this.#records;
    const slab = this.#slab;
    for (let i = 0; i < n; i++) {
      const at = i * WORDS;
      const member = this.#members[recs[at]!];
      if (!member) continue;
      const len = recs[at + 2]!;
      if (len < 0) {
        member.fail(errnoError(len, 'recvmsg'));
        continue;
      }
      const address = this.#address(recs, at, member);
      const port = recs[at + 3]!;
      // When the kernel received it (its age at the drain's end, µs): the packet may have waited for a tick.
      const arrivalMs = nowMs - recs[at + 9]! / 1000;
      if (len > NATIVE_SLOT_BYTES) {
        // Truncated by the kernel: an empty buffer of the reported size class says "oversized".
        member.deliver(Buffer.alloc(len), address, port, arrivalMs);
        continue;
      }
      // A copy: the slab is refilled by the next drain, and packets wait in jitter buffers.
      const off = recs[at + 1]!;
      const packet = Buffer.allocUnsafe(len);
      packet.set(slab.subarray(off, off + len));
      member.deliver(packet, address, port, arrivalMs);
    }
  }

  #address(recs: Int32Array, at: number, member: HubMember): string {
    const family = recs[at + 4]!;
    if (family === 4) {
      const w = recs[at + 5]!;
      if (w !== member.sourceWord) {
        member.sourceWord = w;
        member.sourceText = `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
      }
      return member.sourceText;
    }
    return (
      this.addon.formatAddress(family, recs[at + 5]!, recs[at + 6]!, recs[at + 7]!, recs[at + 8]!) ?? '::'
    );
  }

  /**
   * Queues one datagram from socket `id` (its `fd`) to the address in `to` (words at 4..8, port at 3). The
   * record's last word keeps the id (the addon does not read it): a failed send is told to its socket. An
   * id, not the socket object, so queuing stores no object reference (no write barrier per packet); the
   * id stays valid until the flush, as `remove` flushes before it frees one.
   */
  send(fd: number, id: number, packet: Uint8Array, to: Int32Array): void {
    const len = packet.length;
    if (len > SEND_SLAB_BYTES) {
      this.#members[id]?.sendFailed();
      return;
    }
    if (this.#sendCount === SEND_RECORDS || this.#sendOffset + len > SEND_SLAB_BYTES) this.flush();
    const at = this.#sendCount * WORDS;
    const r = this.#sendRecords;
    r[at] = fd;
    r[at + 1] = this.#sendOffset;
    r[at + 2] = len;
    r[at + 3] = to[3]!;
    r[at + 4] = to[4]!;
    r[at + 5] = to[5]!;
    r[at + 6] = to[6]!;
    r[at + 7] = to[7]!;
    r[at + 8] = to[8]!;
    r[at + 9] = id;
    this.#sendSlab.set(packet, this.#sendOffset);
    this.#sendOffset = (this.#sendOffset + len + 7) & ~7;
    this.#sendCount++;
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.flush);
    }
  }

  /** Sends everything queued now. */
  flush = (): void => {
    this.#flushQueued = false;
    const n = this.#sendCount;
    if (n === 0) return;
    this.#sendCount = 0;
    this.#sendOffset = 0;
    const t0 = performance.now();
    const failures = this.addon.sendBatch(n, this.#sendSlab, this.#sendRecords);
    sendMs += performance.now() - t0;
    this.stats.batches++;
    this.stats.sent += n;
    if (failures !== 0) {
      this.stats.sendFailures += failures;
      for (let i = 0; i < n; i++)
        if (this.#sendRecords[i * WORDS + 2]! < 0)
          this.#members[this.#sendRecords[i * WORDS + 9]!]?.sendFailed();
    }
  };
}

let hub: NativeUdpHub | undefined;
/** How many callers asked for reading per tick (`receiveNativeOnTick`) and have not undone it. */
let tickReaders = 0;

/**
 * From now on this thread's native sockets are read only when `drainNativeDatagrams()` is called, once per
 * tick of the media clock, instead of as packets arrive. Playout does not change (a packet is played at the
 * tick after it arrived either way) and each packet keeps the time the kernel received it. Returns the
 * function that undoes it.
 */
export function receiveNativeOnTick(): () => void {
  if (tickReaders++ === 0) hub?.polling(false);
  let undone = false;
  return () => {
    if (undone) return;
    undone = true;
    if (--tickReaders === 0) hub?.polling(true);
  };
}

/** Reads every datagram waiting on this thread's native sockets and hands each to its socket. */
export function drainNativeDatagrams(): void {
  hub?.drainAll();
}

/** Time this thread has spent in batch sends, ms (for the worker's load figures). */
let sendMs = 0;

/**
 * Milliseconds this thread has spent handing batches of datagrams to the kernel since it started: the
 * worker's load figures separate that from its own media work.
 */
export function nativeSendMs(): number {
  return sendMs;
}

/**
 * Sends the datagrams queued on this thread now. The media clock calls it at the end of each tick: a tick
 * that runs from inside a drain (the clock is polled from the packet path) would otherwise wait for the
 * rest of the drain before its packets leave.
 */
export function flushNativeDatagrams(): void {
  hub?.flush();
}

/** Options of `NativeDatagramSocket.open`. */
export interface NativeSocketOptions {
  address: string;
  port: number;
  recvBufferBytes: number;
}

/**
 * One UDP socket of the native path, with dgram's semantics as the transport uses them: bound at open,
 * `onMessage` per datagram, `onError` on a receive error, `send` never throws (a failed send is counted).
 */
export class NativeDatagramSocket implements HubMember {
  readonly path = 'native';
  readonly port: number;
  /** Each datagram, its source, and when the kernel received it (`performance.now()` time). */
  onMessage: (packet: Buffer, address: string, port: number, arrivalMs?: number) => void = () => {};
  onError: (err: Error) => void = () => {};
  /** Sends that failed (the kernel's error, or an unresolvable destination). */
  sendErrors = 0;
  sourceWord = 0;
  sourceText = '0.0.0.0';
  #hub: NativeUdpHub;
  #fd: number;
  #id: number;
  #closed = false;
  /** Open sockets of this thread by local port (diagnostics and tests: `find`). */
  static #byPort = new Map<number, NativeDatagramSocket>();
  /** The last destination's text and its address record (port at 3, family and words at 4..8). */
  #toText = '';
  #toPort = -1;
  #to = new Int32Array(WORDS);
  #toValid = false;
  /** Host names resolved for sending (rare: SDP carries IP literals). */
  #resolved = new Map<string, string>();

  private constructor(h: NativeUdpHub, fd: number) {
    this.#hub = h;
    this.#fd = fd;
    this.port = h.addon.localPort(fd);
    this.#id = h.add(fd, this);
    NativeDatagramSocket.#byPort.set(this.port, this);
  }

  /** This thread's native path counters (zeros before the first socket). */
  static stats(): NativeUdpStats {
    return {
      ...(hub?.stats ?? { wakeups: 0, drains: 0, received: 0, batches: 0, sent: 0, sendFailures: 0 }),
    };
  }

  /** This thread's open native socket bound to `port` (IPv4 or IPv6), if any. */
  static find(port: number): NativeDatagramSocket | undefined {
    return NativeDatagramSocket.#byPort.get(port);
  }

  /** Binds a socket; an errno exception value (never a throw) when the port is taken or the address bad. */
  static open(options: NativeSocketOptions): NativeDatagramSocket | NodeJS.ErrnoException {
    const addon = nativeUdp();
    if (!addon) return errnoError(-38, 'open'); // ENOSYS
    hub ??= new NativeUdpHub(addon);
    const fd = addon.open(options.address, options.port, options.recvBufferBytes);
    if (fd < 0) return errnoError(fd, 'bind');
    try {
      return new NativeDatagramSocket(hub, fd);
    } catch (err) {
      addon.close(fd);
      return err as NodeJS.ErrnoException;
    }
  }

  deliver(packet: Buffer, address: string, port: number, arrivalMs: number): void {
    if (!this.#closed) this.onMessage(packet, address, port, arrivalMs);
  }

  fail(err: Error): void {
    if (!this.#closed) this.onError(err);
  }

  sendFailed(): void {
    this.sendErrors++;
  }

  /** Queues a datagram (it leaves with the rest of this loop turn's packets). */
  send(packet: Uint8Array, port: number, address: string): void {
    if (this.#closed) return;
    if (address !== this.#toText || port !== this.#toPort) this.#setDestination(address, port);
    if (!this.#toValid) {
      this.sendErrors++;
      return;
    }
    this.#hub.send(this.#fd, this.#id, packet, this.#to);
  }

  #setDestination(address: string, port: number): void {
    this.#toText = address;
    this.#toPort = port;
    const literal = this.#resolved.get(address) ?? address;
    this.#toValid = this.#hub.addon.parseAddress(literal, this.#to) !== 0;
    this.#to[3] = port;
    if (this.#toValid || this.#resolved.has(address)) return;
    // A host name: resolved once in the background; packets until then are counted as failed.
    dnsLookup(address, (err, ip) => {
      if (err || this.#closed) return;
      this.#resolved.set(address, ip);
      if (this.#toText === address) this.#setDestination(address, this.#toPort);
    });
  }

  /** Closes the socket (queued packets leave first). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (NativeDatagramSocket.#byPort.get(this.port) === this) NativeDatagramSocket.#byPort.delete(this.port);
    this.#hub.remove(this.#id, this.#fd);
  }
}
