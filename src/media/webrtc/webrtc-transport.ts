/**
 * WebRTC as a packet transport (packet-transport.ts): ICE-lite (RFC 8445 §2.5) with one host candidate on
 * the configured address, DTLS-SRTP (RFC 5763, RFC 5764) with Parley as the DTLS server (answering with
 * `a=setup:passive`; offering `actpass`, browsers answer `active` — RFC 5763 §5), RTP and RTCP multiplexed
 * (RFC 5761) on one BUNDLEd stream (RFC 8843). The session above sees plain RTP and RTCP: what arrives is
 * decrypted and handed to its sink, what it sends is protected. ICE restarts are not supported.
 *
 * werift does ICE, DTLS and the SRTP ciphers; its media layer (RTCRtpSender/Receiver) is bypassed: the
 * sender rewrites every payload type to its first codec (RFC 4733 events could not leave) and the receiver
 * would parse, re-serialise and report on every packet. So SRTP runs here, on werift's SRTP sessions, right
 * on the ICE connection — one decryption per packet, the session's own RTCP.
 */
import { performance } from 'node:perf_hooks';
import {
  RTCDtlsTransport,
  type RTCIceServer,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  type SrtcpSession,
  type SrtpSession,
} from 'werift';
import {
  emptyTransportStats,
  type PacketSink,
  type PacketTransport,
  type TransportStats,
} from '../session/packet-transport.ts';
import { localParameters, type WebRtcLocalParameters } from './local-parameters.ts';
import { protectRtp } from './srtp-rtp.ts';

/** An ICE server (STUN/TURN) as in RTCConfiguration; none by default (no traffic to third parties). */
export type IceServer = RTCIceServer;

export interface WebRtcTransportOptions {
  /** The address to bind and to advertise as the only host candidate. */
  localAddress: string;
  /** Address written in the candidate when it differs from the bound one (a public address before NAT). */
  advertisedAddress?: string;
  /** Even port reserved by the engine's allocator; the odd one above it is the fallback. */
  port: number;
  /**
   * The peer's SDP offer (Chromium, SIP.js, Odoo's widget). Absent: Parley offers (`a=setup:actpass`, RFC
   * 5763 §5) and the peer's answer comes later through `acceptAnswer`.
   */
  remoteSdp?: string;
  /** Default none: Parley is ICE-lite and needs no server to learn its own address. */
  iceServers?: IceServer[];
  /** Give up when ICE and DTLS are not connected after this long (default 30 s). */
  connectTimeoutMs?: number;
  /** Larger datagrams are dropped (default 1500). */
  maxPacketBytes?: number;
}

/** Why a WebRTC transport could not open. */
export interface WebRtcOpenError {
  error: 'bind-failed' | 'bad-offer';
  code: string;
  message: string;
}

/**
 * What werift negotiates with: its codec matching goes by mime type only, so one entry per codec; the
 * numbers here are werift's own (our answer carries the offerer's). telephone-event must be listed or
 * werift drops the events (and Chromium then reports `canInsertDTMF=false`).
 */
const WERIFT_CODECS = [
  new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 }),
  new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 }),
  new RTCRtpCodecParameters({ mimeType: 'audio/PCMA', clockRate: 8000, channels: 1, payloadType: 8 }),
  new RTCRtpCodecParameters({ mimeType: 'audio/telephone-event', clockRate: 48000, payloadType: 110 }),
  new RTCRtpCodecParameters({ mimeType: 'audio/telephone-event', clockRate: 8000, payloadType: 126 }),
];

function waitGathered(pc: RTCPeerConnection): Promise<void> {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const sub = pc.iceGatheringStateChange.subscribe((s) => {
      if (s !== 'complete') return;
      sub.unSubscribe();
      resolve();
    });
  });
}

/** WebRTC packet transport (see file comment). Create with `WebRtcTransport.open`. */
export class WebRtcTransport implements PacketTransport {
  readonly kind = 'webrtc';
  readonly localAddress: string;
  /** The UDP port ICE listens on (the candidate's port). */
  readonly port: number;
  /** What the answer must carry: ICE credentials, fingerprint, setup, candidates. */
  readonly local: WebRtcLocalParameters;
  #pc: RTCPeerConnection;
  #dtls: RTCDtlsTransport;
  #srtp: SrtpSession | undefined;
  #srtcp: SrtcpSession | undefined;
  #sink: PacketSink | undefined;
  #maxBytes: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #connected = false;
  #stats: TransportStats = emptyTransportStats();
  /** SRTP/SRTCP packets that failed authentication or did not parse, dropped. */
  droppedUnauthenticated = 0;
  /** Sends before DTLS-SRTP was up: nothing to protect them with, dropped. */
  droppedBeforeConnected = 0;

  private constructor(
    options: WebRtcTransportOptions,
    pc: RTCPeerConnection,
    dtls: RTCDtlsTransport,
    local: WebRtcLocalParameters,
  ) {
    this.localAddress = options.localAddress;
    this.#pc = pc;
    this.#dtls = dtls;
    this.local = local;
    this.port = local.port;
    this.#maxBytes = options.maxPacketBytes ?? 1500;
  }

  /** Makes the DTLS certificate (once per thread: werift keeps it for every connection) ahead of use. */
  static async warmUp(): Promise<void> {
    await RTCDtlsTransport.SetupCertificate();
  }

  /**
   * Reads the offer (or makes one), binds the ICE socket, gathers the one host candidate and prepares
   * DTLS. Resolves once Parley's SDP attributes are known (`local`); ICE and DTLS complete when the peer
   * checks.
   */
  static async open(options: WebRtcTransportOptions): Promise<WebRtcTransport | WebRtcOpenError> {
    const v6 = options.localAddress.includes(':');
    const pc = new RTCPeerConnection({
      iceLite: true,
      iceServers: options.iceServers ?? [],
      // Only the configured address: no interface enumeration, no TCP, no link-local (FINDINGS: werift
      // gathers on every interface unless pinned).
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceUseTcp: false,
      iceAdditionalHostAddresses: [options.localAddress],
      iceInterfaceAddresses: v6 ? { udp6: options.localAddress } : { udp4: options.localAddress },
      icePortRange: [options.port, options.port + 1],
      codecs: { audio: WERIFT_CODECS },
      headerExtensions: { audio: [] },
      bundlePolicy: 'max-bundle',
    });
    const fail = async (error: WebRtcOpenError['error'], err: unknown): Promise<WebRtcOpenError> => {
      await pc.close().catch(() => {});
      const e = err as NodeJS.ErrnoException;
      return { error, code: e?.code ?? 'EWEBRTC', message: String(e?.message ?? err) };
    };
    const offering = options.remoteSdp === undefined;
    if (offering) {
      pc.addTransceiver('audio', { direction: 'sendrecv' });
    } else {
      try {
        await pc.setRemoteDescription({ type: 'offer', sdp: options.remoteSdp! });
      } catch (err) {
        return fail('bad-offer', err);
      }
    }
    const transceiver = pc.getTransceivers().find((t) => t.kind === 'audio');
    if (!transceiver) return fail('bad-offer', new Error('the offer has no audio stream'));
    let sdp: string;
    try {
      if (offering) {
        await pc.setLocalDescription(await pc.createOffer());
      } else {
        const answer = await pc.createAnswer();
        // RFC 5763 §5: the answerer picks its role; passive makes werift the DTLS server, which skips the
        // fixed wait werift's client role has before its ClientHello. A new object: werift ignores edits
        // made in place.
        const passive = answer.sdp.replace(/a=setup:(active|actpass)/g, 'a=setup:passive');
        await pc.setLocalDescription({ type: 'answer', sdp: passive });
      }
      await waitGathered(pc);
      sdp = pc.localDescription?.sdp ?? '';
    } catch (err) {
      return fail('bind-failed', err);
    }
    const dtls = transceiver.dtlsTransport;
    if (!dtls) return fail('bind-failed', new Error('werift made no DTLS transport'));
    const local = localParameters(
      sdp,
      options.advertisedAddress ?? options.localAddress,
      offering ? 'actpass' : 'passive',
    );
    if ('error' in local) return fail('bind-failed', new Error(local.error));
    const transport = new WebRtcTransport(options, pc, dtls, local);
    transport.#watch(options.connectTimeoutMs ?? 30_000);
    return transport;
  }

  #watch(timeoutMs: number): void {
    // werift would start its own SRTP receive path (and its RTCRtpReceiver) here: take it over instead.
    const dtls = this.#dtls as RTCDtlsTransport & { startSrtp(): void };
    dtls.startSrtp = () => {
      if (dtls.srtpStarted) return;
      dtls.srtpStarted = true;
      dtls.updateSrtpSession();
      this.#srtp = dtls.srtp;
      this.#srtcp = dtls.srtcp;
      this.#connected = true;
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = undefined;
      dtls.iceTransport.connection.onData.subscribe(this.#onData);
    };
    // connectionState, not iceConnectionState (werift reports "completed" before "checking").
    this.#pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed') this.#fail('ICE or DTLS failed');
      else if (state === 'closed' && !this.#closed) this.#fail('the peer closed DTLS');
    });
    this.#timer = setTimeout(() => this.#fail(`not connected after ${timeoutMs} ms`), timeoutMs);
    this.#timer.unref?.();
  }

  /**
   * The peer's answer to Parley's offer (RFC 3264 §5): ICE credentials, fingerprint and `a=setup:active`
   * (the browser then is the DTLS client). An error value when werift refuses it.
   */
  async acceptAnswer(sdp: string): Promise<WebRtcOpenError | undefined> {
    if (this.#closed) return { error: 'bad-offer', code: 'ECLOSED', message: 'the transport is closed' };
    try {
      await this.#pc.setRemoteDescription({ type: 'answer', sdp });
      return undefined;
    } catch (err) {
      return { error: 'bad-offer', code: 'EWEBRTC', message: String((err as Error)?.message ?? err) };
    }
  }

  /** True once DTLS-SRTP is up and media flows. */
  get connected(): boolean {
    return this.#connected && !this.#closed;
  }

  #fail(reason: string): void {
    if (this.#closed) return;
    this.close();
    this.#sink?.failed(reason);
  }

  start(sink: PacketSink): void {
    this.#sink = sink;
  }

  #onData = (data: Buffer): void => {
    // RFC 7983 §7: 128–191 is RTP/RTCP; STUN and DTLS share the port and are werift's.
    const b0 = data[0]!;
    if (b0 < 128 || b0 > 191 || this.#closed) return;
    const now = performance.now();
    this.#stats.packetsReceived++;
    this.#stats.bytesReceived += data.length;
    if (data.length > this.#maxBytes) {
      this.#stats.droppedOversized++;
      return;
    }
    // RFC 5761 §4: RTCP packet types 192–223 on the second byte (marker + PT for RTP).
    const pt = data[1]!;
    try {
      if (pt >= 192 && pt <= 223) {
        const plain = this.#srtcp!.decrypt(data);
        this.#sink?.rtcp(plain, now);
      } else {
        const plain = this.#srtp!.decrypt(data);
        this.#sink?.rtp(plain, now);
      }
    } catch {
      // Failed authentication, a replay or garbage: dropped (RFC 3711 §3.3).
      this.droppedUnauthenticated++;
    }
  };

  sendRtp(packet: Uint8Array): void {
    if (this.#closed) return;
    const srtp = this.#srtp;
    if (!srtp) {
      this.droppedBeforeConnected++;
      return;
    }
    let enc: Buffer | undefined;
    try {
      enc = protectRtp(srtp, packet);
    } catch {
      enc = undefined;
    }
    if (!enc) {
      this.#stats.sendErrors++;
      return;
    }
    this.#send(enc);
  }

  sendRtcp(packet: Uint8Array): void {
    if (this.#closed) return;
    const srtcp = this.#srtcp;
    if (!srtcp) {
      this.droppedBeforeConnected++;
      return;
    }
    let enc: Buffer;
    try {
      enc = srtcp.encrypt(Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength));
    } catch {
      this.#stats.sendErrors++;
      return;
    }
    this.#send(enc);
  }

  #send(enc: Buffer): void {
    this.#stats.packetsSent++;
    this.#stats.bytesSent += enc.length;
    this.#dtls.iceTransport.connection.send(enc).catch(this.#onSendError);
  }

  #onSendError = (): void => {
    this.#stats.sendErrors++;
  };

  stats(): TransportStats {
    return { ...this.#stats };
  }

  /** Closes ICE and DTLS (the socket goes). Idempotent. The caller returns the port to its allocator. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    void this.#pc.close().catch(() => {});
  }
}
