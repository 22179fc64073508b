/**
 * A browser leg's media (SIP.js, Odoo's VoIP widget, Parley's own phone): the offer's audio is
 * `UDP/TLS/RTP/SAVPF`, so the session runs over WebRTC in the media engine (ICE-lite, DTLS-SRTP,
 * media/webrtc/) and the answer carries its ICE and DTLS values. Otherwise it is a `CallMedia` like any
 * other: the call layer, the conference steps and the rooms see no difference.
 *
 * Plug it into the call manager: `manager.answerers.push(webRtcAnswerer())` for browsers calling in, and
 * `offerWebRtc` instead of `CallMedia.offer` for a leg to a contact registered over WebSocket
 * (`isWebSocketTarget`).
 */
import type { CreateSessionOptions, MediaEngine } from '../../media/index.ts';
import {
  isSdpError,
  type NegotiatedAudio,
  OPUS,
  parseSdp,
  type Sdp,
  SdpSessionVersion,
  serializeSdp,
} from '../../media/sdp/index.ts';
import type { WebRtcLocalParameters } from '../../media/webrtc/local-parameters.ts';
import { answerWebRtcOffer, createWebRtcOffer, isWebRtcSdp } from '../../media/webrtc/webrtc-sdp.ts';
import type { MediaAnswerer } from './call-manager.ts';
import { CallMedia, isMediaFailure, type MediaFailure } from './call-media.ts';

/** ICE servers (STUN/TURN) for WebRTC legs; none by default: Parley is ICE-lite on its own address. */
export type IceServers = NonNullable<CreateSessionOptions['webrtc']>['iceServers'];

/** How WebRTC legs are set up. */
export interface WebRtcMediaOptions {
  /** Open the session on this room's worker (a WebRTC session cannot move between workers). */
  room?: string;
  /** Open it on the worker of this key (`MediaEngine` `CreateSessionOptions.affinity`), for a room to come. */
  affinity?: string;
  /** Also listen for in-band DTMF. Browsers send RFC 4733, so off by default. */
  inbandDtmf?: boolean;
  iceServers?: IceServers;
  /** Address for the ICE candidate when it differs from the bound media address (`--public-ip`). */
  advertisedAddress?: string;
}

/** Is this SDP offer a browser's (DTLS-SRTP audio)? Unreadable SDP is not. */
export function isWebRtcOffer(sdpText: string): boolean {
  const sdp = parseSdp(sdpText);
  return !isSdpError(sdp) && isWebRtcSdp(sdp);
}

/** A `CallMedia` whose session runs over WebRTC; re-offers (hold, resume) keep the same ICE and DTLS. */
export class WebRtcCallMedia extends CallMedia {
  /** Parley's ICE credentials, fingerprint and candidate for this leg. */
  readonly webrtc: WebRtcLocalParameters;

  constructor(
    engine: MediaEngine,
    init: {
      sessionId: string;
      localPort: number;
      address: string;
      sdpSession: SdpSessionVersion;
      localSdp: string;
      audio?: NegotiatedAudio;
      offer?: Sdp;
      webrtc: WebRtcLocalParameters;
    },
  ) {
    super(engine, init);
    this.webrtc = init.webrtc;
  }

  /** The browser's answer to our offer: the codec it took, then its ICE and DTLS values to the transport. */
  override async acceptAnswer(answerText: string): Promise<MediaFailure | undefined> {
    const failure = await super.acceptAnswer(answerText);
    if (failure) return failure;
    try {
      await this.engine.acceptWebRtcAnswer(this.sessionId, answerText);
    } catch (err) {
      return { status: 488, message: `the WebRTC answer was refused: ${(err as Error).message}` };
    }
    return undefined;
  }

  /**
   * A re-offer in the dialog (SIP.js holds by re-INVITE with `sendonly`): answered with the same ICE and
   * DTLS values and the codec in use. An ICE restart (new credentials) is not supported: the old ones are
   * answered and the browser keeps the path it has.
   */
  override reoffer(offerText: string | undefined): string | undefined {
    if (offerText === undefined) return this.localSdp;
    const offer = parseSdp(offerText);
    if (isSdpError(offer) || !isWebRtcSdp(offer)) return undefined;
    const answer = answerWebRtcOffer(
      offer,
      {
        address: this.address,
        port: this.localPort,
        session: this.sdpSession,
        ...(this.audio ? { currentEncoding: this.audio.codec.encoding } : {}),
      },
      this.webrtc,
    );
    if ('error' in answer) return undefined;
    this.audio = answer.audio;
    this.localSdp = serializeSdp(this.sdpSession.stamp(answer.sdp));
    return this.localSdp;
  }
}

/**
 * Answers a browser's offer: settles the codec (opus when offered, else G.711), opens a WebRTC session in
 * the engine, and writes the answer with its ICE/DTLS values (`localSdp`). A failure carries the SIP status
 * to reject the INVITE with, as `CallMedia.answer` does.
 */
export async function answerWebRtc(
  engine: MediaEngine,
  offerText: string,
  address: string,
  options: WebRtcMediaOptions = {},
): Promise<WebRtcCallMedia | MediaFailure> {
  const offer = parseSdp(offerText);
  if (isSdpError(offer)) return { status: 400, message: `unreadable SDP: ${offer.message}` };
  if (!isWebRtcSdp(offer)) return { status: 488, message: 'the offer has no DTLS-SRTP audio stream' };
  const dry = answerWebRtcOffer(offer, { address, port: 9, session: new SdpSessionVersion() });
  if ('error' in dry) return { status: 488, message: dry.message };
  let opened: Awaited<ReturnType<MediaEngine['createSession']>>;
  try {
    opened = await engine.createSession({
      localAddress: address,
      codec: {
        name: dry.audio.codec.encoding,
        payloadType: dry.audio.codec.sendPayloadType,
        clockRate: dry.audio.codec.clockRate,
      },
      ...(dry.audio.telephoneEvent
        ? {
            telephoneEvent: {
              payloadType: dry.audio.telephoneEvent.sendPayloadType,
              clockRate: dry.audio.telephoneEvent.clockRate,
            },
          }
        : {}),
      rtcpMux: true,
      inbandDtmf: options.inbandDtmf ?? !dry.audio.telephoneEvent,
      ...(options.room ? { room: options.room } : {}),
      ...(options.affinity ? { affinity: options.affinity } : {}),
      webrtc: {
        remoteSdp: offerText,
        ...(options.iceServers ? { iceServers: options.iceServers } : {}),
        ...(options.advertisedAddress ? { advertisedAddress: options.advertisedAddress } : {}),
      },
    });
  } catch (err) {
    // werift refusing the offer (no fingerprint, no ICE credentials…) is the offer's fault: 488.
    const refused = (err as { code?: string }).code === 'bad-request';
    return { status: refused ? 488 : 503, message: `no media: ${(err as Error).message}` };
  }
  if (!opened.webrtc) {
    await engine.closeSession(opened.id).catch(() => {});
    return { status: 500, message: 'the media engine opened no WebRTC transport' };
  }
  const sdpSession = new SdpSessionVersion();
  const answer = answerWebRtcOffer(
    offer,
    {
      address: options.advertisedAddress ?? address,
      port: opened.localPort,
      session: sdpSession,
      currentEncoding: dry.audio.codec.encoding,
    },
    opened.webrtc,
  );
  if ('error' in answer) {
    await engine.closeSession(opened.id).catch(() => {});
    return { status: 488, message: answer.message };
  }
  return new WebRtcCallMedia(engine, {
    sessionId: opened.id,
    localPort: opened.localPort,
    address,
    sdpSession,
    localSdp: serializeSdp(sdpSession.stamp(answer.sdp)),
    audio: answer.audio,
    webrtc: opened.webrtc,
  });
}

/** The call manager's answerer entry for browser offers: `manager.answerers.push(webRtcAnswerer())`. */
export function webRtcAnswerer(options: Omit<WebRtcMediaOptions, 'room' | 'affinity'> = {}): {
  accepts(offer: string): boolean;
  answer: MediaAnswerer;
} {
  return {
    accepts: isWebRtcOffer,
    // The call manager passes `affinity` (the conference, or the bridged call): the session opens on the
    // worker its room will be created on.
    answer: async (svc, offer, answerOptions: WebRtcMediaOptions) => {
      const media = await answerWebRtc(svc.engine, offer, svc.mediaAddress, { ...options, ...answerOptions });
      // The caller only sees the status: say why here.
      if (isMediaFailure(media)) {
        svc.logger.warn({ status: media.status, err: media.message }, 'browser offer not answered');
      }
      return media;
    },
  };
}

/** Does this SIP target reach its contact over WebSocket (a browser: SIP.js, Odoo, Parley's phone)? */
export function isWebSocketTarget(target: { transport: string }): boolean {
  return target.transport === 'ws' || target.transport === 'wss';
}

/**
 * Opens a WebRTC session and makes Parley's offer to a browser (a call to a user registered over
 * WebSocket): Opus with telephone-event/48000, which every browser has. The answer goes to `acceptAnswer`.
 */
export async function offerWebRtc(
  engine: MediaEngine,
  address: string,
  options: WebRtcMediaOptions = {},
): Promise<WebRtcCallMedia | MediaFailure> {
  let opened: Awaited<ReturnType<MediaEngine['createSession']>>;
  try {
    opened = await engine.createSession({
      localAddress: address,
      codec: { name: OPUS.encoding, payloadType: OPUS.payloadType, clockRate: OPUS.clockRate },
      telephoneEvent: { payloadType: 110, clockRate: 48000 },
      rtcpMux: true,
      ...(options.room ? { room: options.room } : {}),
      ...(options.affinity ? { affinity: options.affinity } : {}),
      webrtc: {
        ...(options.iceServers ? { iceServers: options.iceServers } : {}),
        ...(options.advertisedAddress ? { advertisedAddress: options.advertisedAddress } : {}),
      },
    });
  } catch (err) {
    return { status: 503, message: `no media: ${(err as Error).message}` };
  }
  if (!opened.webrtc) {
    await engine.closeSession(opened.id).catch(() => {});
    return { status: 500, message: 'the media engine opened no WebRTC transport' };
  }
  const sdpSession = new SdpSessionVersion();
  const offer = sdpSession.stamp(
    createWebRtcOffer({
      address: options.advertisedAddress ?? address,
      port: opened.localPort,
      session: sdpSession,
      codec: OPUS,
      local: opened.webrtc,
    }),
  );
  return new WebRtcCallMedia(engine, {
    sessionId: opened.id,
    localPort: opened.localPort,
    address,
    sdpSession,
    localSdp: serializeSdp(offer),
    offer,
    webrtc: opened.webrtc,
  });
}
