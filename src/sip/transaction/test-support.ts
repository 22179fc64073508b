/**
 * Test fixtures for the transaction machines: hand-built messages and a recording sender, so the state
 * machines are driven without sockets or a parser.
 */
import type { SipMessage, SipRequest, SipResponse } from '../message/types.ts';
import type { TransactionSender } from './transaction-types.ts';

/** A sender that records what it was given and can be told to fail. */
export class RecordingSender implements TransactionSender {
  readonly reliable: boolean;
  readonly sent: SipMessage[] = [];
  failNext = false;
  /** The connection every send reports it went over (a stream transport's); none by default (UDP). */
  readonly connectionId: string | undefined;
  /** Connections `isOpen` answers false for. */
  readonly closed = new Set<string>();

  constructor(reliable: boolean, connectionId?: string) {
    this.reliable = reliable;
    this.connectionId = connectionId;
  }

  send(message: SipMessage): Promise<string | undefined> {
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('connection refused'));
    }
    this.sent.push(message);
    return Promise.resolve(this.connectionId);
  }

  isOpen(connectionId: string): boolean {
    return !this.closed.has(connectionId);
  }

  /** How many of the sent messages are requests of `method` / responses with `status`. */
  count(what: string | number): number {
    return this.sent.filter((m) =>
      typeof what === 'string'
        ? m.kind === 'request' && m.method === what
        : m.kind === 'response' && m.status === what,
    ).length;
  }
}

/** A hand-built request with a Route header, for driving the machines. */
export function request(method: string, branch = 'z9hG4bKtest1', cseq = 1): SipRequest {
  return {
    kind: 'request',
    method,
    uri: 'sip:bob@127.0.0.1',
    version: 'SIP/2.0',
    headers: [
      { name: 'Via', value: `SIP/2.0/UDP 127.0.0.1:5070;branch=${branch}` },
      { name: 'Max-Forwards', value: '70' },
      { name: 'Route', value: '<sip:proxy.example;lr>' },
      { name: 'From', value: '<sip:alice@127.0.0.1>;tag=a1' },
      { name: 'To', value: '<sip:bob@127.0.0.1>' },
      { name: 'Call-ID', value: 'call-1@test' },
      { name: 'CSeq', value: `${cseq} ${method}` },
    ],
    body: new Uint8Array(0),
  };
}

/** A hand-built response to `req` with a To tag. */
export function response(req: SipRequest, status: number, toTag = 'b1'): SipResponse {
  return {
    kind: 'response',
    status,
    reason: 'Test',
    version: 'SIP/2.0',
    headers: req.headers
      .filter((h) => ['Via', 'From', 'Call-ID', 'CSeq'].includes(h.name))
      .concat([{ name: 'To', value: `<sip:bob@127.0.0.1>;tag=${toTag}` }]),
    body: new Uint8Array(0),
  };
}

/** Lets rejected sends (transport errors) settle. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
