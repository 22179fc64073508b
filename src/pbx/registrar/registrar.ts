/**
 * The registrar (RFC 3261 §10.3): bindings from an extension's address-of-record to the contacts where
 * it can be reached, with expiry, Min-Expires, wildcard removal and Call-ID/CSeq ordering. It works on
 * already-extracted values (see register-request.ts for the SIP message side), after the request has been
 * authenticated and the extension authorised.
 *
 * Bindings are in memory, persisted through a BindingStore after changes (coalesced), and swept on a
 * timer when they expire. WebSocket bindings are only reachable over the connection they came on
 * (RFC 7118 §5), so they are dropped when that connection closes and not restored after a restart.
 */
import type { Logger } from 'pino';
import type { Binding, Flow } from './binding.ts';
import type { BindingStore } from './binding-store.ts';

/** One Contact of a REGISTER, as extracted from the message. */
export interface ContactInput {
  /** The Contact URI as sent. */
  uri: string;
  /** Normalised URI for comparison (RFC 3261 §19.1.4). */
  uriKey: string;
  /** The `expires` Contact parameter, seconds, when present. */
  expires?: number;
  q?: number;
  instanceId?: string;
  regId?: string;
}

/** A REGISTER reduced to what the registrar needs. */
export interface RegisterInput {
  extension: string;
  callId: string;
  cseq: number;
  /** The Expires header, seconds, when present. */
  expires?: number;
  /** `Contact: *` (RFC 3261 §10.2.2). */
  wildcard: boolean;
  contacts: ContactInput[];
  flow: Flow;
  userAgent?: string;
}

/** A current contact as listed in the 200 (RFC 3261 §10.3 step 8). */
export interface ListedContact {
  uri: string;
  /** Seconds left. */
  expires: number;
  q?: number;
  instanceId?: string;
  regId?: string;
}

/** The registrar's answer, for the SIP side to turn into a response. */
export type RegisterOutcome =
  | {
      status: 200;
      contacts: ListedContact[];
      /** Seconds granted to this request's contacts (the shortest), when it carried any. */
      granted?: number;
    }
  | { status: 423; minExpires: number }
  | { status: 400 | 403 | 500; reason: string };

export interface RegistrarOptions {
  /** The SIP domain: AORs are `sip:<extension>@<domain>`. */
  domain: string;
  store?: BindingStore;
  /** Shortest registration accepted (423 below it, RFC 3261 §10.3 step 7). Default 60 s. */
  minExpires?: number;
  /** Longer requests are shortened to this. Default 3600 s. */
  maxExpires?: number;
  /** When neither Expires nor the contact says. Default 3600 s. */
  defaultExpires?: number;
  /** Most contacts per extension. Default 10. */
  maxContacts?: number;
  /** Expired bindings are swept this often. Default 5 s. */
  sweepIntervalMs?: number;
  /**
   * Changes are written to the store at most this often (the whole set is written: with tens of
   * thousands of bindings that is megabytes of JSON). Default 5 s; `close()` writes what is pending.
   */
  saveDelayMs?: number;
  logger?: Logger;
  now?: () => number;
}

/** Called when an extension's set of bindings changes (registered, refreshed, removed, expired). */
export type BindingsListener = (extension: string, bindings: Binding[]) => void;

/** Registered contacts per extension. */
export class Registrar {
  readonly domain: string;
  readonly minExpires: number;
  readonly maxExpires: number;
  readonly defaultExpires: number;
  readonly maxContacts: number;
  readonly #store: BindingStore | undefined;
  readonly #logger: Logger | undefined;
  readonly #now: () => number;
  readonly #saveDelayMs: number;
  readonly #byExtension = new Map<string, Binding[]>();
  /** The extensions with a binding on each connection: a closing connection touches only those. */
  readonly #byConnection = new Map<string, Set<string>>();
  readonly #listeners = new Set<BindingsListener>();
  #sweepTimer: NodeJS.Timeout | undefined;
  #saveTimer: NodeJS.Timeout | undefined;
  #saving: Promise<void> = Promise.resolve();
  #dirty = false;
  #closed = false;
  #count = 0;

  constructor(options: RegistrarOptions) {
    this.domain = options.domain;
    this.#store = options.store;
    this.minExpires = options.minExpires ?? 60;
    this.maxExpires = options.maxExpires ?? 3600;
    this.defaultExpires = Math.min(options.defaultExpires ?? 3600, this.maxExpires);
    this.maxContacts = options.maxContacts ?? 10;
    this.#saveDelayMs = options.saveDelayMs ?? 5000;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    const sweepMs = options.sweepIntervalMs ?? 5000;
    if (sweepMs > 0) {
      this.#sweepTimer = setInterval(() => this.sweep(), sweepMs);
      this.#sweepTimer.unref();
    }
  }

  /** Restore saved bindings (those still valid and reachable). Call once before serving. */
  async load(): Promise<number> {
    if (!this.#store) return 0;
    const now = this.#now();
    let restored = 0;
    for (const b of await this.#store.load()) {
      // A WebSocket contact is reachable only over its connection, which did not survive the restart.
      if (b.expiresAt <= now || b.flow.transport === 'ws' || b.flow.transport === 'wss') continue;
      // Connection ids name connections of the previous process.
      const flow = { ...b.flow };
      delete flow.connectionId;
      const list = this.#byExtension.get(b.extension) ?? [];
      if (list.length >= this.maxContacts) continue;
      list.push({ ...b, flow });
      this.#byExtension.set(b.extension, list);
      restored++;
    }
    this.#count += restored;
    return restored;
  }

  /** `sip:<extension>@<domain>`. */
  aorOf(extension: string): string {
    return `sip:${extension}@${this.domain}`;
  }

  /** Apply a REGISTER (RFC 3261 §10.3 steps 6–8). */
  register(input: RegisterInput): RegisterOutcome {
    const now = this.#now();
    const current = (this.#byExtension.get(input.extension) ?? []).filter((b) => b.expiresAt > now);

    if (input.wildcard) {
      // Step 6: "*" only alone and with Expires: 0.
      if (input.contacts.length > 0 || input.expires !== 0) {
        return { status: 400, reason: 'Wildcard Contact requires Expires: 0 and no other Contact' };
      }
      for (const b of current) {
        if (b.callId === input.callId && input.cseq <= b.cseq)
          return { status: 500, reason: 'Out of order CSeq' };
      }
      this.#set(input.extension, []);
      return { status: 200, contacts: [] };
    }

    const next = current.slice();
    let granted: number | undefined;
    for (const c of input.contacts) {
      // Step 7: expiry from the contact parameter, else the header, else our default.
      let expires = c.expires ?? input.expires ?? this.defaultExpires;
      if (!Number.isFinite(expires) || expires < 0) return { status: 400, reason: 'Bad expires value' };
      if (expires > 0 && expires < this.minExpires) return { status: 423, minExpires: this.minExpires };
      expires = Math.min(expires, this.maxExpires);
      granted = granted === undefined ? expires : Math.min(granted, expires);
      const key =
        c.instanceId !== undefined ? `instance:${c.instanceId};reg-id=${c.regId ?? ''}` : `uri:${c.uriKey}`;
      const i = next.findIndex((b) => b.key === key);
      if (i >= 0) {
        const existing = next[i]!;
        // Same Call-ID: the CSeq must grow, or this is an old or reordered request.
        if (existing.callId === input.callId && input.cseq <= existing.cseq) {
          return { status: 500, reason: 'Out of order CSeq' };
        }
        if (expires === 0) next.splice(i, 1);
        else next[i] = this.#binding(input, c, key, expires, now);
      } else if (expires > 0) {
        if (next.length >= this.maxContacts) return { status: 403, reason: 'Too many contacts' };
        next.push(this.#binding(input, c, key, expires, now));
      }
    }
    if (input.contacts.length === 0) return { status: 200, contacts: this.#listed(next, now) };
    this.#set(input.extension, next);
    return { status: 200, contacts: this.#listed(next, now), granted: granted! };
  }

  /**
   * The live contacts of an extension, best first: highest q, then most recently registered. The call
   * layer forks to them, each over its `flow`.
   */
  lookup(extension: string): Binding[] {
    const now = this.#now();
    const list = (this.#byExtension.get(extension) ?? []).filter((b) => b.expiresAt > now);
    return list.sort((a, b) => (b.q ?? 0.5) - (a.q ?? 0.5) || b.updatedAt - a.updatedAt);
  }

  /** Every extension with at least one binding (expired ones may linger until the next sweep). */
  extensions(): string[] {
    return [...this.#byExtension.keys()];
  }

  /** Number of bindings held. */
  get size(): number {
    return this.#count;
  }

  /** Remove every binding of an extension (e.g. the user was deleted). */
  unregister(extension: string): void {
    if (this.#byExtension.has(extension)) this.#set(extension, []);
  }

  /**
   * A stream connection closed: WebSocket bindings that came over it can no longer be reached (RFC 7118
   * §5), so they go. TCP/TLS bindings stay: their contact may be reached over a new connection.
   */
  connectionClosed(connectionId: string): void {
    const extensions = this.#byConnection.get(connectionId);
    if (!extensions) return;
    for (const ext of [...extensions]) {
      const list = this.#byExtension.get(ext) ?? [];
      const kept = list.filter(
        (b) =>
          !(
            b.flow.connectionId === connectionId &&
            (b.flow.transport === 'ws' || b.flow.transport === 'wss')
          ),
      );
      if (kept.length !== list.length) this.#set(ext, kept);
    }
  }

  /** Subscribe to binding changes; returns the unsubscribe function. */
  onChange(listener: BindingsListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Drop expired bindings now (also runs on a timer). */
  sweep(): void {
    const now = this.#now();
    for (const [ext, list] of this.#byExtension) {
      const kept = list.filter((b) => b.expiresAt > now);
      if (kept.length !== list.length) this.#set(ext, kept);
    }
  }

  /** Stop the timers and write pending changes. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return this.#saving;
    this.#closed = true;
    clearInterval(this.#sweepTimer);
    clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    if (this.#dirty) this.#flush();
    await this.#saving;
  }

  #binding(input: RegisterInput, c: ContactInput, key: string, expires: number, now: number): Binding {
    const b: Binding = {
      extension: input.extension,
      aor: this.aorOf(input.extension),
      contact: c.uri,
      key,
      expiresAt: now + expires * 1000,
      callId: input.callId,
      cseq: input.cseq,
      flow: input.flow,
      updatedAt: now,
    };
    if (c.q !== undefined) b.q = c.q;
    if (c.instanceId !== undefined) b.instanceId = c.instanceId;
    if (c.regId !== undefined) b.regId = c.regId;
    if (input.userAgent !== undefined) b.userAgent = input.userAgent;
    return b;
  }

  #listed(list: Binding[], now: number): ListedContact[] {
    return list.map((b) => {
      const l: ListedContact = {
        uri: b.contact,
        // Rounded up: a binding with half a second left still exists (RFC 3261 §10.3 step 8).
        expires: Math.max(1, Math.ceil((b.expiresAt - now) / 1000)),
      };
      if (b.q !== undefined) l.q = b.q;
      if (b.instanceId !== undefined) l.instanceId = b.instanceId;
      if (b.regId !== undefined) l.regId = b.regId;
      return l;
    });
  }

  #set(extension: string, list: Binding[]): void {
    const old = this.#byExtension.get(extension) ?? [];
    const before = old.length;
    for (const b of old) this.#unindex(b.flow.connectionId, extension);
    for (const b of list) {
      const id = b.flow.connectionId;
      if (id === undefined) continue;
      const set = this.#byConnection.get(id);
      if (set) set.add(extension);
      else this.#byConnection.set(id, new Set([extension]));
    }
    if (list.length === 0) this.#byExtension.delete(extension);
    else this.#byExtension.set(extension, list);
    this.#count += list.length - before;
    this.#scheduleSave();
    for (const l of this.#listeners) {
      try {
        l(extension, list.slice());
      } catch (err) {
        this.#logger?.error({ err, extension }, 'registrar listener failed');
      }
    }
  }

  #unindex(connectionId: string | undefined, extension: string): void {
    if (connectionId === undefined) return;
    const set = this.#byConnection.get(connectionId);
    if (!set) return;
    set.delete(extension);
    if (set.size === 0) this.#byConnection.delete(connectionId);
  }

  #scheduleSave(): void {
    if (!this.#store || this.#closed) return;
    this.#dirty = true;
    if (this.#saveTimer) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = undefined;
      this.#flush();
    }, this.#saveDelayMs);
    this.#saveTimer.unref();
  }

  #flush(): void {
    if (!this.#store) return;
    this.#dirty = false;
    const all = [...this.#byExtension.values()].flat();
    const store = this.#store;
    this.#saving = this.#saving
      .then(() => store.save(all))
      .catch((err: unknown) => this.#logger?.error({ err }, 'saving registrations failed'));
  }
}
