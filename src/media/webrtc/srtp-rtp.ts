/**
 * SRTP (RFC 3711) on raw RTP bytes with werift's SRTP sessions: `protectRtp` hands werift's cipher a view
 * of the packet's own header instead of a parsed-and-reserialised one, and `SrtpLoop` pairs two sessions
 * with fresh keys (one side's sending keys are the other's receiving keys) to measure or test the cipher
 * without DTLS. Two profiles: AEAD_AES_128_GCM (RFC 7714), which werift as DTLS server settles on with
 * Chromium, and AES_CM_128_HMAC_SHA1_80 (RFC 3711 §4), for peers without GCM.
 */
import { randomBytes } from 'node:crypto';
import {
  ProtectionProfileAeadAes128Gcm,
  ProtectionProfileAes128CmHmacSha1_80,
  SrtcpSession,
  SrtpSession,
} from 'werift';

/** The SRTP profiles werift offers in DTLS-SRTP (RFC 5764 §4.1.2), by the names of their RFCs. */
export type SrtpProfileName = 'AEAD_AES_128_GCM' | 'AES_CM_128_HMAC_SHA1_80';

/** An RTP header as werift's SRTP cipher reads it: only these members are used. */
interface HeaderView {
  ssrc: number;
  sequenceNumber: number;
  serializeSize: number;
  serialize(size: number): Buffer;
}

/** RTP header length (RFC 3550 §5.1, §5.3.1): fixed part, CSRCs, extension; 0 when it does not fit. */
export function rtpHeaderLength(p: Uint8Array): number {
  if (p.length < 12) return 0;
  let n = 12 + (p[0]! & 0x0f) * 4;
  if (p[0]! & 0x10) {
    if (p.length < n + 4) return 0;
    n += 4 + ((p[n + 2]! << 8) | p[n + 3]!) * 4;
  }
  return n <= p.length ? n : 0;
}

/** Encrypts and authenticates one RTP packet; undefined when it is not RTP. */
export function protectRtp(srtp: SrtpSession, packet: Uint8Array): Buffer | undefined {
  const size = rtpHeaderLength(packet);
  if (size === 0) return undefined;
  const buf = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
  const header: HeaderView = {
    ssrc: buf.readUInt32BE(8),
    sequenceNumber: buf.readUInt16BE(2),
    serializeSize: size,
    serialize: () => buf.subarray(0, size),
  };
  // werift's types want its RtpHeader class; its cipher reads only the members of HeaderView.
  return srtp.encrypt(buf.subarray(size), header as unknown as Parameters<SrtpSession['encrypt']>[1]);
}

/** Two SRTP endpoints keyed for each other. */
export class SrtpLoop {
  readonly a: { srtp: SrtpSession; srtcp: SrtcpSession };
  readonly b: { srtp: SrtpSession; srtcp: SrtcpSession };

  constructor(profileName: SrtpProfileName = 'AES_CM_128_HMAC_SHA1_80') {
    const gcm = profileName === 'AEAD_AES_128_GCM';
    // RFC 7714 §12: 12-byte salts for GCM; RFC 3711 §8.2: 14 bytes for AES-CM.
    const k1 = randomBytes(16);
    const s1 = randomBytes(gcm ? 12 : 14);
    const k2 = randomBytes(16);
    const s2 = randomBytes(gcm ? 12 : 14);
    const profile = gcm ? ProtectionProfileAeadAes128Gcm : ProtectionProfileAes128CmHmacSha1_80;
    const side = (lk: Buffer, ls: Buffer, rk: Buffer, rs: Buffer) => {
      const keys = { localMasterKey: lk, localMasterSalt: ls, remoteMasterKey: rk, remoteMasterSalt: rs };
      return { srtp: new SrtpSession({ keys, profile }), srtcp: new SrtcpSession({ keys, profile }) };
    };
    this.a = side(k1, s1, k2, s2);
    this.b = side(k2, s2, k1, s1);
  }

  /** A protects, B unprotects: the plain packet again (throws when authentication fails). */
  roundTrip(packet: Uint8Array): Buffer {
    const enc = protectRtp(this.a.srtp, packet);
    if (!enc) throw new Error('not an RTP packet');
    return this.b.srtp.decrypt(enc);
  }
}
