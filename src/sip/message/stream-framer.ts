/**
 * Cuts a TCP/TLS byte stream into SIP messages (RFC 3261 §18.3): a message is its header section up to
 * the empty line, then exactly Content-Length body bytes — Content-Length is mandatory on streams. Also
 * reports RFC 5626 §4.4.1 keep-alives between messages: a double CRLF is a "ping" (answer it with a
 * single CRLF), a single CRLF a "pong".
 *
 * A framing error (no Content-Length, a bad one, a message over `maxMessageBytes`) leaves the stream
 * without a trustworthy message boundary: the framer reports one error, then ignores everything, and
 * the caller closes the connection.
 */

import { parseError } from './lexer.ts';
import { contentLengthOf, findHeadEnd, parseHead } from './parse-message.ts';
import type { SipMessage, SipParseError } from './types.ts';

/** A CRLF keep-alive seen between messages. */
export interface KeepAlive {
  kind: 'keepalive';
  /** true for a ping (CRLFCRLF, answer with CRLF), false for a pong (CRLF). */
  ping: boolean;
}

/** What `push` returns: complete messages, framing errors and keep-alives, in stream order. */
export type FramerOutput = SipMessage | SipParseError | KeepAlive;

/** Options of `StreamFramer`. */
export interface StreamFramerOptions {
  /** Largest message (headers and body) accepted, in bytes; default 64 KiB. */
  maxMessageBytes?: number;
}

/** Incremental framer for one stream connection. */
export class StreamFramer {
  readonly maxMessageBytes: number;
  #buf = new Uint8Array(4096);
  #start = 0;
  #end = 0;
  /** How far the search for the end of the current header section has gone (never rescans). */
  #scanned = 0;
  #failed = false;
  /** A header section already parsed while its body is still arriving (offsets from #start). */
  #pending: { head: SipMessage; bodyOffset: number; length: number } | undefined;

  constructor(opts: StreamFramerOptions = {}) {
    this.maxMessageBytes = opts.maxMessageBytes ?? 65536;
  }

  /** True once a framing error was reported: the connection should be closed. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Bytes held waiting for the rest of a message. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Feeds bytes; returns every complete message, error and keep-alive they finish, in order. */
  push(chunk: Uint8Array): FramerOutput[] {
    if (this.#failed) return [];
    this.#append(chunk);
    const out: FramerOutput[] = [];
    for (;;) {
      const item = this.#next();
      if (item === undefined) break;
      out.push(item);
      if (item.kind === 'error') {
        this.#failed = true;
        this.#start = this.#end = 0;
        break;
      }
    }
    return out;
  }

  #append(chunk: Uint8Array): void {
    const held = this.#end - this.#start;
    if (this.#end + chunk.length > this.#buf.length) {
      if (held + chunk.length <= this.#buf.length && this.#start > 0) {
        this.#buf.copyWithin(0, this.#start, this.#end);
      } else {
        let size = this.#buf.length;
        while (size < held + chunk.length) size *= 2;
        const grown = new Uint8Array(size);
        grown.set(this.#buf.subarray(this.#start, this.#end));
        this.#buf = grown;
      }
      this.#scanned -= this.#start;
      this.#start = 0;
      this.#end = held;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  #next(): FramerOutput | undefined {
    const buf = this.#buf;
    const end = this.#end;
    // Bytes past #end are stale: read through this bound check only.
    const at = (i: number) => (i < end ? buf[i] : undefined);
    let s = this.#start;
    // A stray CR or LF (not part of a CRLF) is skipped, without recursion however many there are.
    while (s < end && (at(s) === 0x0a || (at(s) === 0x0d && at(s + 1) !== 0x0a && s + 1 < end))) s++;
    if (s !== this.#start) this.#consume(s);
    if (s >= end) return undefined;
    // Keep-alives (RFC 5626 §4.4.1) and the CRLFs allowed before a start line (RFC 3261 §7.5).
    const first = at(s);
    if (first === 0x0d || first === 0x0a) {
      if (first === 0x0d && at(s + 1) === 0x0a) {
        if (at(s + 2) === 0x0d && at(s + 3) === 0x0a) {
          this.#consume(s + 4);
          return { kind: 'keepalive', ping: true };
        }
        // CRLF then CR: the LF of a ping may be in flight. A lone CRLF is reported as a pong at once:
        // the peer waiting for it sends nothing more (a ping split after its first CRLF, which a 4-byte
        // write practically never is, would read as two pongs).
        if (at(s + 2) === 0x0d && s + 3 === end) return undefined;
        this.#consume(s + 2);
        return { kind: 'keepalive', ping: false };
      }
      // A lone CR at the end: wait for what follows it.
      return undefined;
    }
    if (this.#pending) {
      const { head, bodyOffset, length } = this.#pending;
      if (s + bodyOffset + length > end) return undefined;
      this.#pending = undefined;
      return this.#takeBody(head, s + bodyOffset, length);
    }
    const bounds = findHeadEnd(buf.subarray(0, end), Math.max(s, this.#scanned - 2));
    if (!bounds) {
      this.#scanned = end;
      if (end - s > this.maxMessageBytes) return parseError('header section too large', 513);
      return undefined;
    }
    const head = parseHead(buf, s, bounds.headEnd);
    if (head.kind === 'error') return head;
    const length = contentLengthOf(head.headers);
    if (typeof length === 'object') return { ...length, partial: head };
    // §18.3: on a stream, a message without Content-Length cannot be framed.
    if (length === undefined) return { ...parseError('Content-Length missing on a stream'), partial: head };
    const total = bounds.bodyStart - s + length;
    if (total > this.maxMessageBytes) return { ...parseError('message too large', 513), partial: head };
    if (bounds.bodyStart + length > end) {
      this.#pending = { head, bodyOffset: bounds.bodyStart - s, length };
      return undefined;
    }
    return this.#takeBody(head, bounds.bodyStart, length);
  }

  #takeBody(head: SipMessage, bodyStart: number, length: number): SipMessage {
    const body = new Uint8Array(length);
    body.set(this.#buf.subarray(bodyStart, bodyStart + length));
    head.body = body;
    this.#consume(bodyStart + length);
    return head;
  }

  #consume(to: number): void {
    this.#start = to;
    this.#scanned = to;
    if (this.#start === this.#end) this.#start = this.#end = this.#scanned = 0;
  }
}
