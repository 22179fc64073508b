/**
 * A call leg's media: the SDP offer/answer (RFC 3264) tied to a session in the media engine. The engine
 * opens a session for one negotiated codec, so the answerer settles the answer first (on port 9), opens
 * the session, then puts its port into the accepted stream.
 */
import type { MediaEngine } from '../../media/index.ts';
import {
  type AudioCodec,
  answerOffer,
  createOffer,
  G722,
  isSdpError,
  type NegotiatedAudio,
  OPUS,
  PCMA,
  PCMU,
  parseSdp,
  readAnswer,
  type Sdp,
  SdpSessionVersion,
  serializeSdp,
} from '../../media/sdp/index.ts';

/**
 * Codecs the media engine runs, in Parley's order of preference: G.711 first (the mixer reads its energy
 * without decoding, the cheapest member there is), then G.722 and Opus for phones that offer only those.
 */
export const ENGINE_CODECS: readonly AudioCodec[] = [PCMU, PCMA, G722, OPUS];

/** The codec an engine session runs: its name, the payload types it sends (and receives) with. */
interface RunningCodec {
  name: string;
  payloadType: number;
  telephoneEventPayloadType?: number;
}

export interface MediaFailure {
  /** SIP status to answer the offer with: 488 Not Acceptable Here, 400 for unreadable SDP, 503 no ports. */
  status: number;
  message: string;
}

/** One leg's session in the engine and its SDP state. */
export class CallMedia {
  readonly engine: MediaEngine;
  readonly sessionId: string;
  readonly localPort: number;
  readonly address: string;
  readonly sdpSession: SdpSessionVersion;
  audio: NegotiatedAudio | undefined;
  /** Our last SDP (offer or answer), as sent. */
  localSdp: string;
  #offer: Sdp | undefined;
  /** What the engine session runs, so that an answer choosing otherwise switches it (unknown for WebRTC). */
  #running: RunningCodec | undefined;
  /** The engine changes answers and re-offers asked for, applied one after the other in their order. */
  #changes: Promise<unknown> = Promise.resolve();
  #closed = false;

  protected constructor(
    engine: MediaEngine,
    init: {
      sessionId: string;
      localPort: number;
      address: string;
      sdpSession: SdpSessionVersion;
      localSdp: string;
      audio?: NegotiatedAudio;
      offer?: Sdp;
      running?: RunningCodec;
    },
  ) {
    this.engine = engine;
    this.sessionId = init.sessionId;
    this.localPort = init.localPort;
    this.address = init.address;
    this.sdpSession = init.sdpSession;
    this.localSdp = init.localSdp;
    this.audio = init.audio;
    this.#offer = init.offer;
    this.#running = init.running;
  }

  /** Answers a remote offer: negotiates, opens the session, returns it with our answer in `localSdp`. */
  static async answer(
    engine: MediaEngine,
    offerText: string,
    address: string,
    options: { inbandDtmf?: boolean; room?: string; affinity?: string } = {},
  ): Promise<CallMedia | MediaFailure> {
    const offer = parseSdp(offerText);
    if (isSdpError(offer)) return { status: 400, message: `unreadable SDP: ${offer.message}` };
    // The answer is settled before the session opens (it opens for the chosen codec); only its port is
    // known after, and goes into the accepted stream then.
    const sdpSession = new SdpSessionVersion();
    const answer = answerOffer(offer, { address, port: 9, session: sdpSession, codecs: ENGINE_CODECS });
    if ('error' in answer) return { status: 488, message: answer.message };
    let opened: { id: string; localPort: number };
    try {
      opened = await engine.createSession({
        localAddress: address,
        codec: {
          name: answer.audio.codec.encoding,
          payloadType: answer.audio.codec.sendPayloadType,
          clockRate: answer.audio.codec.clockRate,
        },
        ...(answer.audio.telephoneEvent
          ? {
              telephoneEvent: {
                payloadType: answer.audio.telephoneEvent.sendPayloadType,
                clockRate: answer.audio.telephoneEvent.clockRate,
              },
            }
          : {}),
        remote: answer.audio.remote,
        rtcpMux: answer.audio.rtcpMux,
        inbandDtmf: options.inbandDtmf ?? !answer.audio.telephoneEvent,
        ...(options.room ? { room: options.room } : {}),
        ...(options.affinity ? { affinity: options.affinity } : {}),
      });
    } catch (err) {
      return { status: 503, message: `no media: ${(err as Error).message}` };
    }
    const port = opened.localPort;
    const sdp = {
      ...answer.sdp,
      media: answer.sdp.media.map((m, i) => (i === answer.audio.mediaIndex ? { ...m, port } : m)),
    };
    return new CallMedia(engine, {
      sessionId: opened.id,
      localPort: opened.localPort,
      address,
      sdpSession,
      localSdp: serializeSdp(sdpSession.stamp(sdp)),
      audio: answer.audio,
      running: {
        name: answer.audio.codec.encoding,
        payloadType: answer.audio.codec.sendPayloadType,
        ...(answer.audio.telephoneEvent
          ? { telephoneEventPayloadType: answer.audio.telephoneEvent.sendPayloadType }
          : {}),
      },
    });
  }

  /**
   * Opens a session and makes our offer (outbound legs, late-offer INVITEs): every codec the engine runs,
   * with telephone-event at each of their clock rates, so a carrier that takes only A-law (or a phone
   * that takes only G.722 or Opus) can answer. The session opens with G.711 µ-law; `acceptAnswer`
   * switches it to the codec the answer chose.
   */
  static async offer(
    engine: MediaEngine,
    address: string,
    placement: { room?: string; affinity?: string } = {},
  ): Promise<CallMedia | MediaFailure> {
    let opened: { id: string; localPort: number };
    try {
      opened = await engine.createSession({
        localAddress: address,
        codec: { name: PCMU.encoding, payloadType: PCMU.payloadType, clockRate: PCMU.clockRate },
        telephoneEvent: { payloadType: 101, clockRate: 8000 },
        ...(placement.room ? { room: placement.room } : {}),
        ...(placement.affinity ? { affinity: placement.affinity } : {}),
      });
    } catch (err) {
      return { status: 503, message: `no media: ${(err as Error).message}` };
    }
    const sdpSession = new SdpSessionVersion();
    const offer = sdpSession.stamp(
      createOffer({
        address,
        port: opened.localPort,
        session: sdpSession,
        codecs: ENGINE_CODECS,
        telephoneEventRates: [8000, 48000],
        rtcpMux: false,
      }),
    );
    return new CallMedia(engine, {
      sessionId: opened.id,
      localPort: opened.localPort,
      address,
      sdpSession,
      localSdp: serializeSdp(offer),
      offer,
      running: { name: PCMU.encoding, payloadType: PCMU.payloadType, telephoneEventPayloadType: 101 },
    });
  }

  /** Reads the answer to our offer and points the session at the peer. */
  async acceptAnswer(answerText: string): Promise<MediaFailure | undefined> {
    if (!this.#offer) return { status: 400, message: 'no offer of ours to answer' };
    const answer = parseSdp(answerText);
    if (isSdpError(answer)) return { status: 400, message: `unreadable SDP: ${answer.message}` };
    const audio = readAnswer(this.#offer, answer);
    if ('error' in audio) return { status: 488, message: audio.message };
    this.audio = audio;
    return this.#follow(audio, audio.remote);
  }

  /**
   * Points the engine session at what `audio` settled: the codec, when the session runs another (the
   * answer to our offer chose another, or a re-offer dropped the codec in use), and `remote`, the peer's
   * address when it is new. Both change in one step: a session re-opened for another codec starts at the
   * new address, so no packet in the new codec goes to the old one (the peer offered that codec at the
   * new address only, RFC 3264 §8.3.1). Queued behind the changes asked for before.
   */
  #follow(audio: NegotiatedAudio, remote: { address: string; port: number } | undefined) {
    const step = this.#changes.then(async (): Promise<MediaFailure | undefined> => {
      const running = this.#running;
      const te = audio.telephoneEvent;
      if (
        !running ||
        (running.name.toLowerCase() === audio.codec.encoding.toLowerCase() &&
          running.payloadType === audio.codec.sendPayloadType &&
          (te === undefined || te.sendPayloadType === running.telephoneEventPayloadType))
      ) {
        if (remote) await this.engine.setRemote(this.sessionId, remote).catch(() => {});
        return undefined;
      }
      const codec = { name: audio.codec.encoding, payloadType: audio.codec.sendPayloadType };
      try {
        await this.engine.setCodec(
          this.sessionId,
          { ...codec, clockRate: audio.codec.clockRate },
          te ? { payloadType: te.sendPayloadType, clockRate: te.clockRate } : undefined,
          remote,
        );
      } catch (err) {
        return {
          status: 488,
          message: `the codec ${codec.name} could not be set: ${(err as Error).message}`,
        };
      }
      this.#running = te ? { ...codec, telephoneEventPayloadType: te.sendPayloadType } : codec;
      return undefined;
    });
    this.#changes = step.catch(() => {});
    return step;
  }

  /**
   * A re-offer in the dialog (hold, resume, a new address): the answer body, or undefined when nothing
   * can be accepted. The codec in use is kept; a new remote address re-latches the session.
   */
  reoffer(offerText: string | undefined): string | undefined {
    if (offerText === undefined) {
      // A re-INVITE without SDP: our current SDP, unchanged, becomes our offer (RFC 3264 §8); the
      // answer comes to `acceptAnswer` (in the ACK).
      const ours = parseSdp(this.localSdp);
      if (!isSdpError(ours)) this.#offer = ours;
      return this.localSdp;
    }
    const offer = parseSdp(offerText);
    if (isSdpError(offer)) return undefined;
    const answer = answerOffer(offer, {
      address: this.address,
      port: this.localPort,
      session: this.sdpSession,
      codecs: ENGINE_CODECS,
      ...(this.audio ? { currentEncoding: this.audio.codec.encoding } : {}),
    });
    if ('error' in answer) return undefined;
    const before = this.audio?.remote;
    this.audio = answer.audio;
    const after = answer.audio.remote;
    const moved = !before || before.address !== after.address || before.port !== after.port;
    // A re-offer without the codec in use gets another one (answerOffer falls back): the session follows
    // it, and goes to the new address if there is one, in the same step.
    void this.#follow(answer.audio, moved ? after : undefined).catch(() => {});
    this.localSdp = serializeSdp(this.sdpSession.stamp(answer.sdp));
    return this.localSdp;
  }

  /**
   * The peer put this leg on hold (RFC 3264 §8.4: it offered sendonly or inactive, or the old c=0.0.0.0),
   * so no audio from it is to be expected: many phones send none until they resume.
   */
  get onHold(): boolean {
    return this.audio !== undefined && this.audio.direction !== 'sendrecv';
  }

  /** Closes the engine session. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    void this.engine.closeSession(this.sessionId).catch(() => {});
  }
}

export function isMediaFailure(x: CallMedia | MediaFailure | undefined): x is MediaFailure {
  return x !== undefined && !(x instanceof CallMedia);
}
