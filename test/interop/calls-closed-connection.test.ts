/**
 * A callee's connection closes while Parley's INVITE rings on it (a browser tab closed, a phone's TCP
 * connection dropped): that leg fails at once (RFC 3261 §17.1.4, a transport error the B2BUA treats as
 * 503, §8.1.3.1), so the call is decided by the other contacts. User 101 has two phones registered over
 * raw TCP connections of their own; 102 calls 101; both ring; the first phone's connection closes and
 * the second declines with 486. The caller must get 486 Busy Here: the decline can only decide the call
 * once the closed leg has ended, and had that leg waited for a timer instead (Timer B is not even
 * running once a 180 came), the only timer left is Parley's 30 s ring timeout, which answers 480.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DigestClient } from '../../src/sip/auth/index.ts';
import {
  createResponse,
  generateBranch,
  generateCallId,
  generateTag,
  getHeader,
  getHeaderValues,
  isParseError,
  type SipMessage,
  type SipRequest,
  type SipResponse,
  StreamFramer,
  serializeMessage,
} from '../../src/sip/message/index.ts';
import { type ParleyProcess, startParley } from './helpers/parley-process.ts';
import { tcpRegisterText } from './helpers/tcp-register.ts';
import { waitFor } from './helpers/tones.ts';
import { passwordOf, users } from './helpers/users.ts';

const SDP = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=sendrecv',
  '',
].join('\r\n');

/**
 * A SIP phone on one TCP connection of its own, written by hand: it keeps every message it receives,
 * and sends text or messages on that connection (which is also where Parley reaches it).
 */
class TcpPhone {
  readonly received: SipMessage[] = [];
  readonly #socket: Socket;
  readonly #framer = new StreamFramer({ maxMessageBytes: 65_535 });
  readonly extension: string;

  private constructor(socket: Socket, extension: string) {
    this.#socket = socket;
    this.extension = extension;
    socket.on('data', (chunk: Buffer) => {
      for (const item of this.#framer.push(chunk)) {
        if (item.kind === 'keepalive' || isParseError(item)) continue;
        this.received.push(item);
      }
    });
    socket.on('error', () => {});
  }

  static async connect(port: number, extension: string): Promise<TcpPhone> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new TcpPhone(socket, extension);
  }

  /** `127.0.0.1:port` of this end of the connection: its Via sent-by and Contact. */
  get local(): string {
    return `127.0.0.1:${this.#socket.localPort}`;
  }

  send(message: SipMessage | string): void {
    this.#socket.write(typeof message === 'string' ? message : serializeMessage(message));
  }

  /** The first message received that `match` accepts (waiting for it). */
  next<T extends SipMessage>(what: string, match: (m: SipMessage) => m is T, timeoutMs = 10_000): Promise<T> {
    return waitFor(what, () => this.received.find(match), timeoutMs);
  }

  /** The connection drops: no BYE, no 487, nothing more. */
  vanish(): void {
    this.#socket.destroy();
  }

  /** Registers this connection's contact for its extension (digest-authenticated, RFC 3261 §10.2). */
  async register(domain: string): Promise<number> {
    const ext = this.extension;
    const uri = `sip:${domain}`;
    const callId = generateCallId();
    const tag = generateTag();
    const digest = new DigestClient({ username: ext, password: passwordOf(ext) });
    let auth: string[] = [];
    for (let cseq = 1; cseq <= 2; cseq++) {
      this.send(tcpRegisterText({ extension: ext, domain, local: this.local, tag, callId, cseq, auth }));
      const r = await this.next(`REGISTER ${cseq} answered`, (m): m is SipResponse =>
        isFinalTo(m, callId, cseq),
      );
      if (r.status !== 401) return r.status;
      const value = digest.authorize(getHeaderValues(r, 'www-authenticate'), 'REGISTER', uri);
      assert.ok(value, 'a usable digest challenge');
      auth = [`Authorization: ${value}`];
    }
    return 401;
  }
}

/** A final response to the request `cseq` of call `callId`. */
function isFinalTo(m: SipMessage, callId: string, cseq: number): m is SipResponse {
  return (
    m.kind === 'response' &&
    m.status >= 200 &&
    getHeader(m, 'call-id') === callId &&
    getHeader(m, 'cseq')?.split(' ')[0] === String(cseq)
  );
}

function isInvite(m: SipMessage): m is SipRequest {
  return m.kind === 'request' && m.method === 'INVITE';
}

/** The ACK for a non-2xx final response (§17.1.1.3): the INVITE's branch, the response's To. */
function ackFor(invite: string[], response: SipResponse): string {
  const pick = (name: string) => invite.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))!;
  const cseq = Number(/CSeq: (\d+)/.exec(pick('CSeq'))![1]);
  return [
    invite[0]!.replace(/^INVITE/, 'ACK'),
    pick('Via'),
    'Max-Forwards: 70',
    pick('From'),
    `To: ${getHeader(response, 'to')}`,
    pick('Call-ID'),
    `CSeq: ${cseq} ACK`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

describe('a callee whose connection closes while it rings', () => {
  let parley: ParleyProcess;

  before(async () => {
    parley = await startParley();
    await parley.provision({ users: users('101', '102') });
  });

  after(async () => {
    await parley?.stop();
  });

  test('the leg to the closed connection ends at once: the other phone declining gives the caller 486', async () => {
    const domain = parley.domain;
    const vanishing = await TcpPhone.connect(parley.sipPort, '101');
    const desk = await TcpPhone.connect(parley.sipPort, '101');
    const caller = await TcpPhone.connect(parley.sipPort, '102');
    try {
      assert.equal(await vanishing.register(domain), 200, 'the first phone of 101 registered');
      assert.equal(await desk.register(domain), 200, 'the second phone of 101 registered');

      // 102 calls 101, answering Parley's 407 challenge (§22.3) with credentials.
      const callId = generateCallId();
      const fromTag = generateTag();
      const uri = `sip:101@${domain}`;
      const digest = new DigestClient({ username: '102', password: passwordOf('102') });
      const inviteLines = (cseq: number, auth: string[]) => [
        `INVITE ${uri} SIP/2.0`,
        `Via: SIP/2.0/TCP ${caller.local};branch=${generateBranch()};rport`,
        'Max-Forwards: 70',
        `From: <sip:102@${domain}>;tag=${fromTag}`,
        `To: <sip:101@${domain}>`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} INVITE`,
        `Contact: <sip:102@${caller.local};transport=tcp>`,
        ...auth,
        'Content-Type: application/sdp',
        `Content-Length: ${Buffer.byteLength(SDP)}`,
        '',
        SDP,
      ];
      const first = inviteLines(1, []);
      caller.send(first.join('\r\n'));
      const challenge = await caller.next('the challenge', (m): m is SipResponse => isFinalTo(m, callId, 1));
      assert.equal(challenge.status, 407);
      caller.send(ackFor(first, challenge));
      const value = digest.authorize(getHeaderValues(challenge, 'proxy-authenticate'), 'INVITE', uri);
      assert.ok(value, 'a usable digest challenge');
      const second = inviteLines(2, [`Proxy-Authorization: ${value}`]);
      caller.send(second.join('\r\n'));

      // Both phones ring.
      const [toVanishing, toDesk] = await Promise.all([
        vanishing.next('the INVITE to the first phone', isInvite),
        desk.next('the INVITE to the second phone', isInvite),
      ]);
      vanishing.send(createResponse(toVanishing, 180, undefined, { toTag: generateTag() }));
      desk.send(createResponse(toDesk, 180, undefined, { toTag: 'desk' }));
      await caller.next(
        'ringing at the caller',
        (m): m is SipResponse => m.kind === 'response' && m.status === 180,
      );

      // The first phone's connection drops; then the second phone declines.
      vanishing.vanish();
      desk.send(createResponse(toDesk, 486, undefined, { toTag: 'desk' }));

      // Waits past Parley's 30 s ring timeout, so a leg left ringing shows as that timeout's 480 below.
      const final = await caller.next(
        "the caller's final answer",
        (m): m is SipResponse => isFinalTo(m, callId, 2),
        45_000,
      );
      caller.send(ackFor(second, final));
      assert.equal(
        final.status,
        486,
        `busy, from the second phone: the closed leg had already ended (480 would be the ring timeout)\n${parley.output().slice(-3000)}`,
      );
      await desk.next(
        'Parley ACKing the decline',
        (m): m is SipRequest => m.kind === 'request' && m.method === 'ACK',
      );
    } finally {
      vanishing.vanish();
      desk.vanish();
      caller.vanish();
    }
  });
});
