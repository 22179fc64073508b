/**
 * RFC 3261 transaction timers (§17, table in Appendix A) and the RFC 6026 additions, per transport.
 *
 * Retransmission timers (A, E, G) exist only on unreliable transports: on TCP/TLS/WS the transport
 * delivers, so nothing is retransmitted. The "wait" timers that absorb stray retransmissions
 * (D, I, J, K) are zero on reliable transports because there are none to absorb; the transaction
 * timeouts (B, F, H) and the RFC 6026 Accepted-state timers (L, M) are the same on every transport.
 */

/** RTT estimate (§17.1.1.1): 500 ms. */
export const T1 = 500;
/** Maximum retransmit interval for non-INVITE requests and INVITE responses: 4 s. */
export const T2 = 4000;
/** Maximum duration a message will remain in the network: 5 s. */
export const T4 = 5000;

/** The base values, overridable (e.g. a faster T1 on a known LAN, §17.1.1.1 allows it). */
export interface TimerBase {
  T1: number;
  T2: number;
  T4: number;
}

/**
 * Every timer in milliseconds for one transport kind; `null` means "not started on this transport".
 */
export interface TransactionTimers extends TimerBase {
  /** INVITE request retransmit interval, initially T1 (unreliable only). */
  A: number | null;
  /** INVITE transaction timeout: 64*T1. */
  B: number;
  /** Wait time for response retransmits: ≥ 32 s on UDP, 0 on reliable. */
  D: number;
  /** Non-INVITE request retransmit interval, initially T1 (unreliable only). */
  E: number | null;
  /** Non-INVITE transaction timeout: 64*T1. */
  F: number;
  /** INVITE response retransmit interval, initially T1 (unreliable only). */
  G: number | null;
  /** Wait time for ACK receipt: 64*T1. */
  H: number;
  /** Wait time for ACK retransmits: T4 on UDP, 0 on reliable. */
  I: number;
  /** Wait time for non-INVITE request retransmits: 64*T1 on UDP, 0 on reliable. */
  J: number;
  /** Wait time for response retransmits: T4 on UDP, 0 on reliable. */
  K: number;
  /** RFC 6026 §8.7: wait time for accepted INVITE request retransmits (server): 64*T1. */
  L: number;
  /** RFC 6026 §8.4: wait time for retransmission of 2xx to INVITE (client): 64*T1. */
  M: number;
}

/** Derives Timer A–M for a transport, as the table in RFC 3261 Appendix A and RFC 6026 §8 say. */
export function timersFor(reliable: boolean, base: TimerBase = { T1, T2, T4 }): TransactionTimers {
  const { T1: t1, T2: t2, T4: t4 } = base;
  return {
    T1: t1,
    T2: t2,
    T4: t4,
    A: reliable ? null : t1,
    B: 64 * t1,
    D: reliable ? 0 : 32000,
    E: reliable ? null : t1,
    F: 64 * t1,
    G: reliable ? null : t1,
    H: 64 * t1,
    I: reliable ? 0 : t4,
    J: reliable ? 0 : 64 * t1,
    K: reliable ? 0 : t4,
    L: 64 * t1,
    M: 64 * t1,
  };
}
