/**
 * The SIP layer's public surface (digest authentication is in `./auth/index.ts`): messages, transports,
 * transactions, dialogs, and the `SipStack` facade that ties them together. Knows nothing of the PBX.
 */

export type { DialogId, DialogState, InDialogRequestOptions } from './dialog/dialog.ts';
export { Dialog, dialogKey, dialogKeyOfRequest, dialogKeyOfResponse } from './dialog/dialog.ts';
export { resolveTarget } from './dialog/resolve-target.ts';
export * from './message/index.ts';
export type {
  IncomingRequest,
  OutgoingRequest,
  RequestCallbacks,
  SipStackLog,
  SipStackOptions,
  SipStackStats,
  SipTarget,
} from './stack.ts';
export { SipStack } from './stack.ts';
export type { Clock, Timer } from './transaction/clock.ts';
export { systemClock } from './transaction/clock.ts';
export { FakeClock } from './transaction/fake-clock.ts';
export type { TimerBase, TransactionTimers } from './transaction/timers.ts';
export { T1, T2, T4, timersFor } from './transaction/timers.ts';
export type { ResponseInfo } from './transaction/transaction-layer.ts';
export { TransactionLayer } from './transaction/transaction-layer.ts';
export { TcpTransport, type TcpTransportOptions } from './transport/tcp-transport.ts';
export { TlsTransport, type TlsTransportOptions } from './transport/tls-transport.ts';
export type {
  Destination,
  MessageSource,
  RateLimit,
  Transport,
  TransportLimits,
  TransportListener,
  TransportLog,
  TransportProtocol,
  TransportStats,
} from './transport/transport.ts';
export { TransportError } from './transport/transport.ts';
export { UdpTransport, type UdpTransportOptions } from './transport/udp-transport.ts';
export { WsTransport, type WsTransportOptions } from './transport/ws-transport.ts';
