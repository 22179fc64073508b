/**
 * Parley's SDP offer/answer against baresip (Debian's baresip-core), over a bare SIP exchange this test
 * plays itself on loopback: baresip calls, Parley's answer picks the codec, and baresip's RTP arrives with
 * the payload type Parley chose, its digits as telephone-event; then Parley calls baresip (auto answer) and
 * reads baresip's answer, and the RTP matches what was read.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createOffer } from '../../src/media/sdp/create-offer.ts';
import { answerOffer } from '../../src/media/sdp/offer-answer.ts';
import { parseSdp } from '../../src/media/sdp/parse-sdp.ts';
import { readAnswer } from '../../src/media/sdp/read-answer.ts';
import { isSdpError, type Sdp } from '../../src/media/sdp/sdp.ts';
import { serializeSdp } from '../../src/media/sdp/serialize-sdp.ts';
import { SdpSessionVersion } from '../../src/media/sdp/session-version.ts';
import { freePort } from './helpers/ports.ts';

const HOST = '127.0.0.1';
const baresip = spawnSync('sh', ['-c', 'command -v baresip'], { encoding: 'utf8' }).stdout.trim() || null;

function sdpOf(text: string): Sdp {
  const sdp = parseSdp(text);
  if (isSdpError(sdp)) throw new Error(`${sdp.error}: ${sdp.message}`);
  return sdp;
}

/** A SIP message split just enough for this test: first line, headers (lower-case names), body. */
interface Message {
  first: string;
  headers: [string, string][];
  body: string;
}

function parseMessage(text: string): Message {
  const end = text.indexOf('\r\n\r\n');
  const lines = text.slice(0, end).split('\r\n');
  const headers = lines.slice(1).map((l): [string, string] => {
    const c = l.indexOf(':');
    return [l.slice(0, c).trim().toLowerCase(), l.slice(c + 1).trim()];
  });
  return { first: lines[0]!, headers, body: text.slice(end + 4) };
}

const header = (m: Message, name: string) => m.headers.find(([n]) => n === name)?.[1] ?? '';
const headersNamed = (m: Message, name: string) => m.headers.filter(([n]) => n === name).map(([, v]) => v);

/** A UDP socket that queues what it receives, for `next(predicate)`. */
class Inbox {
  readonly socket: UdpSocket;
  readonly #queue: { data: Buffer; port: number }[] = [];
  readonly #waiters: (() => void)[] = [];

  constructor(socket: UdpSocket) {
    this.socket = socket;
    socket.on('message', (data, rinfo) => {
      this.#queue.push({ data, port: rinfo.port });
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  static async open(): Promise<Inbox> {
    const s = createSocket('udp4');
    await new Promise<void>((resolve) => s.bind(0, HOST, resolve));
    return new Inbox(s);
  }

  get port(): number {
    return this.socket.address().port;
  }

  async next(match: (d: Buffer) => boolean, timeoutMs = 10_000): Promise<{ data: Buffer; port: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.#queue.findIndex((x) => match(x.data));
      if (i >= 0) return this.#queue.splice(i, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('nothing matching arrived in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  send(text: string, port: number): void {
    this.socket.send(Buffer.from(text), port, HOST);
  }

  close(): void {
    this.socket.close();
  }
}

function sipText(first: string, headers: [string, string][], body = ''): string {
  const all: [string, string][] = [...headers, ['Content-Length', String(Buffer.byteLength(body))]];
  return `${first}\r\n${all.map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\n\r\n${body}`;
}

const isSip = (d: Buffer) => /^(SIP\/2\.0|[A-Z]+ sip:)/.test(d.toString('latin1', 0, 12));
/** RTP version 2, not RTCP (RFC 5761 §4). */
const rtpPayloadType = (d: Buffer) => (d.length >= 12 && d[0]! >> 6 === 2 ? d[1]! & 0x7f : -1);

describe('SDP offer/answer with baresip', { skip: baresip ? false : 'baresip is not installed' }, () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let sipPort: number;
  let ctrlPort: number;
  let ctrl: ReturnType<typeof connect>;

  const command = (cmd: string, params = '') => {
    const body = JSON.stringify({ command: cmd, params, token: String(Math.random()) });
    ctrl.write(`${Buffer.byteLength(body)}:${body},`);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-sdp-baresip-'));
    sipPort = await freePort();
    ctrlPort = await freePort();
    writeFileSync(
      join(dir, 'config'),
      [
        `sip_listen ${HOST}:${sipPort}`,
        `net_interface ${HOST}`,
        `ctrl_tcp_listen ${HOST}:${ctrlPort}`,
        'module_path /usr/lib/baresip/modules',
        'module g711.so',
        'module g722.so',
        'module ausine.so',
        'module aubridge.so',
        'audio_player aubridge,sink',
        'audio_source ausine,440',
        'ausrc_srate 48000',
        'ausrc_channels 2',
        'module_app account.so',
        'module_app menu.so',
        'module_app ctrl_tcp.so',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'accounts'), `<sip:101@${HOST}>;regint=0;answermode=auto\n`);
    child = spawn('baresip', ['-f', dir], {
      stdio: 'ignore',
    });
    for (let i = 0; i < 100; i++) {
      const s = connect(ctrlPort, HOST);
      const ok = await new Promise<boolean>((resolve) => {
        s.once('connect', () => resolve(true));
        s.once('error', () => resolve(false));
      });
      if (ok) {
        ctrl = s;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(ctrl, 'baresip ctrl_tcp is up');
    ctrl.on('data', () => {});
  });

  after(() => {
    ctrl?.destroy();
    child?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('baresip offers; Parley answers G.722 + telephone-event/8000; baresip sends exactly that', async () => {
    const sip = await Inbox.open();
    const rtp = await Inbox.open();
    try {
      command('dial', `sip:800@${HOST}:${sip.port}`);
      const inviteRaw = await sip.next((d) => d.toString('latin1').startsWith('INVITE '));
      const invite = parseMessage(inviteRaw.data.toString('latin1'));
      const answer = answerOffer(sdpOf(invite.body), {
        address: HOST,
        port: rtp.port,
        session: new SdpSessionVersion(),
      });
      if ('error' in answer) throw new Error(answer.message);
      assert.equal(
        answer.audio.codec.encoding,
        'G722',
        'opus comes without a 48 kHz telephone-event from baresip',
      );
      assert.equal(answer.audio.telephoneEvent?.receivePayloadType, 101);
      const ok = sipText(
        'SIP/2.0 200 OK',
        [
          ...headersNamed(invite, 'via').map((v): [string, string] => ['Via', v]),
          ['From', header(invite, 'from')],
          ['To', `${header(invite, 'to')};tag=parley-uas`],
          ['Call-ID', header(invite, 'call-id')],
          ['CSeq', header(invite, 'cseq')],
          ['Contact', `<sip:800@${HOST}:${sip.port}>`],
          ['Content-Type', 'application/sdp'],
        ],
        serializeSdp(answer.sdp),
      );
      sip.send(ok, inviteRaw.port);
      await sip.next((d) => d.toString('latin1').startsWith('ACK '));

      // Audio: baresip sends the codec Parley chose, with Parley's numbers, from the port it offered.
      const audio = await rtp.next((d) => rtpPayloadType(d) === answer.audio.codec.receivePayloadType);
      assert.equal(audio.port, answer.audio.remote.port);
      // A digit: RFC 4733 events with the negotiated payload type; event code 1 for "1".
      command('sndcode', '1');
      const event = await rtp.next(
        (d) => rtpPayloadType(d) === answer.audio.telephoneEvent!.receivePayloadType,
      );
      assert.equal(event.data[12], 1);

      command('hangup');
      const bye = await sip.next((d) => d.toString('latin1').startsWith('BYE '));
      const byeMsg = parseMessage(bye.data.toString('latin1'));
      sip.send(
        sipText('SIP/2.0 200 OK', [
          ...headersNamed(byeMsg, 'via').map((v): [string, string] => ['Via', v]),
          ['From', header(byeMsg, 'from')],
          ['To', header(byeMsg, 'to')],
          ['Call-ID', header(byeMsg, 'call-id')],
          ['CSeq', header(byeMsg, 'cseq')],
        ]),
        bye.port,
      );
    } finally {
      sip.close();
      rtp.close();
    }
  });

  test('Parley offers; baresip answers; the answer read matches the RTP baresip sends', async () => {
    const sip = await Inbox.open();
    const rtp = await Inbox.open();
    try {
      const session = new SdpSessionVersion();
      const offer = createOffer({ address: HOST, port: rtp.port, session });
      const callId = `sdp-${Date.now()}@${HOST}`;
      const common = (cseq: string, to: string): [string, string][] => [
        [
          'Via',
          `SIP/2.0/UDP ${HOST}:${sip.port};branch=z9hG4bK-${Math.random().toString(36).slice(2)};rport`,
        ],
        ['Max-Forwards', '70'],
        ['From', `<sip:parley@${HOST}:${sip.port}>;tag=parley-uac`],
        ['To', to],
        ['Call-ID', callId],
        ['CSeq', cseq],
      ];
      const target = `sip:101@${HOST}:${sipPort}`;
      sip.send(
        sipText(
          `INVITE ${target} SIP/2.0`,
          [
            ...common('1 INVITE', `<${target}>`),
            ['Contact', `<sip:parley@${HOST}:${sip.port}>`],
            ['Content-Type', 'application/sdp'],
          ],
          serializeSdp(offer),
        ),
        sipPort,
      );
      const okRaw = await sip.next((d) => d.toString('latin1').startsWith('SIP/2.0 200'));
      const ok = parseMessage(okRaw.data.toString('latin1'));
      const audio = readAnswer(offer, sdpOf(ok.body));
      if ('error' in audio) throw new Error(audio.message);
      assert.ok(['G722', 'PCMU', 'PCMA'].includes(audio.codec.encoding), audio.codec.encoding);
      assert.equal(audio.direction, 'sendrecv');
      assert.equal(audio.remote.address, HOST);
      const contact = /<([^>]+)>/.exec(header(ok, 'contact'))?.[1] ?? target;
      sip.send(sipText(`ACK ${contact} SIP/2.0`, common('1 ACK', header(ok, 'to'))), sipPort);

      const packet = await rtp.next((d) => rtpPayloadType(d) === audio.codec.receivePayloadType);
      assert.equal(packet.port, audio.remote.port);

      // Hold by re-INVITE (RFC 3264 §8.4): Parley offers sendonly, baresip answers recvonly.
      const hold = createOffer({ address: HOST, port: rtp.port, session, direction: 'sendonly' });
      assert.equal(BigInt(hold.origin.sessionVersion), BigInt(offer.origin.sessionVersion) + 1n);
      sip.send(
        sipText(
          `INVITE ${contact} SIP/2.0`,
          [
            ...common('2 INVITE', header(ok, 'to')),
            ['Contact', `<sip:parley@${HOST}:${sip.port}>`],
            ['Content-Type', 'application/sdp'],
          ],
          serializeSdp(hold),
        ),
        sipPort,
      );
      const heldRaw = await sip.next(
        (d) => d.toString('latin1').startsWith('SIP/2.0 200') && d.includes('2 INVITE'),
      );
      const held = readAnswer(hold, sdpOf(parseMessage(heldRaw.data.toString('latin1')).body));
      if ('error' in held) throw new Error(held.message);
      assert.equal(held.direction, 'sendonly');
      assert.equal(held.codec.encoding, audio.codec.encoding);
      sip.send(sipText(`ACK ${contact} SIP/2.0`, common('2 ACK', header(ok, 'to'))), sipPort);

      sip.send(sipText(`BYE ${contact} SIP/2.0`, common('3 BYE', header(ok, 'to'))), sipPort);
      await sip.next((d) => isSip(d) && d.toString('latin1').startsWith('SIP/2.0 200') && d.includes('BYE'));
    } finally {
      sip.close();
      rtp.close();
    }
  });
});
