/**
 * The `o=` line of the descriptions Parley writes during one SIP session. RFC 3264 §8: every new offer or
 * answer that differs from the previous one carries the same session id and a version one higher; a
 * description repeated unchanged (a session refresh) keeps its version.
 */
import { randomInt } from 'node:crypto';
import type { Sdp, SdpOrigin } from './sdp.ts';
import { serializeSdp } from './serialize-sdp.ts';

export class SdpSessionVersion {
  readonly sessionId: string;
  #version: bigint;
  #last: string | undefined;
  readonly #username: string;

  /** `sessionId`/`version` are normally random; tests pin them. */
  constructor(options: { username?: string; sessionId?: string; version?: bigint } = {}) {
    this.#username = options.username ?? 'parley';
    this.sessionId = options.sessionId ?? String(randomInt(1, 2 ** 47));
    this.#version = options.version ?? BigInt(randomInt(1, 2 ** 31));
  }

  /** The version the next unchanged description will carry. */
  get version(): bigint {
    return this.#version;
  }

  /**
   * Returns `sdp` with its origin set: the address comes from the description's own `c=` (or the first
   * media's), the version is bumped only if the body changed since the last stamped description.
   */
  stamp(sdp: Sdp): Sdp {
    const address = sdp.connection?.address ?? sdp.media[0]?.connections[0]?.address ?? '0.0.0.0';
    const addrType = address.includes(':') ? 'IP6' : 'IP4';
    const draft: Sdp = {
      ...sdp,
      origin: {
        username: this.#username,
        sessionId: this.sessionId,
        sessionVersion: '0',
        netType: 'IN',
        addrType,
        address,
      },
    };
    const body = serializeSdp(draft);
    if (this.#last !== undefined && body !== this.#last) this.#version++;
    this.#last = body;
    const origin: SdpOrigin = { ...draft.origin, sessionVersion: this.#version.toString() };
    return { ...draft, origin };
  }
}
