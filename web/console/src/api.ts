/**
 * Every request the console makes goes through this module: the session cookie rides along on its own,
 * writes carry the CSRF token the server handed out at sign-in, and failures come back as one error type
 * with the API's plain-word message and its per-field errors.
 */

import type { Participant } from '../../../src/api/pbx-port.ts';
import type {
  Account,
  Conference,
  ConferenceFields,
  IncomingNumber,
  IncomingNumberFields,
  Permission,
  Trunk,
  TrunkFields,
  User,
  UserFields,
  VersionInfo,
} from '../../../src/store/model.ts';
import { type Change, normalizeChanges } from './changes.ts';

/** One member of a running conference, as the server lists it. */
export type { Participant } from '../../../src/api/pbx-port.ts';
export type {
  Account,
  Conference,
  ConferenceFields,
  Destination,
  IncomingNumber,
  IncomingNumberFields,
  Permission,
  Trunk,
  TrunkFields,
  User,
  UserFields,
  VersionInfo,
} from '../../../src/store/model.ts';

/** One refused field, as the API names it (`path`) with its plain-word `message`. */
export interface FieldError {
  path: string;
  message: string;
}

/** A failed request: HTTP status, the API's stable code, its message, and any per-field errors. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fieldErrors: FieldError[];
  constructor(status: number, code: string, message: string, fieldErrors: FieldError[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fieldErrors = fieldErrors;
  }
}

/** The signed-in account as the console needs it. */
export interface Me {
  username: string;
  permissions: Permission[];
  /** SIP domain, when the server tells it (used for the phone settings). */
  domain?: string;
}

/** A version in the history, with what changed in it when the server says so. */
export interface VersionEntry extends VersionInfo {
  changes?: Change[];
}

/** The header the server checks on cookie-authenticated writes (double-submit of the session's token). */
export const CSRF_HEADER = 'x-csrf-token';
let csrfToken: string | undefined;

const unauthorizedListeners = new Set<() => void>();

/** Called when the session has ended on the server (401 outside sign-in): the console shows sign-in. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => {
    unauthorizedListeners.delete(listener);
  };
}

function cookieToken(): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k && /csrf|xsrf/i.test(k)) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

function rememberToken(body: unknown): void {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const t = b.csrfToken ?? (b.session as Record<string, unknown> | undefined)?.csrfToken;
    if (typeof t === 'string' && t) csrfToken = t;
  }
}

function asFieldErrors(v: unknown): FieldError[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter((e): e is Record<string, unknown> => !!e && typeof e === 'object')
    .map((e) => ({ path: String(e.path ?? e.field ?? ''), message: String(e.message ?? 'Not accepted.') }));
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') {
    // The cookie first: it follows a sign-in in another tab, where the remembered one would be stale.
    const token = cookieToken() ?? csrfToken;
    if (token) headers[CSRF_HEADER] = token;
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached. Check the connection and try again.');
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const d = (data ?? {}) as Record<string, unknown>;
    const err = (d.error ?? {}) as Record<string, unknown>;
    const fieldErrors = asFieldErrors(d.errors ?? err.errors ?? err.details);
    const message =
      typeof err.message === 'string'
        ? err.message
        : typeof d.message === 'string'
          ? d.message
          : `The server answered ${res.status} ${res.statusText}.`;
    if (res.status === 401 && path !== '/api/login' && path !== '/api/me') {
      for (const l of unauthorizedListeners) l();
    }
    throw new ApiError(res.status, String(err.code ?? d.code ?? res.status), message, fieldErrors);
  }
  rememberToken(data);
  return data as T;
}

function list<T>(data: unknown): T[] {
  if (Array.isArray(data)) return data as T[];
  const items = (data as { items?: unknown } | undefined)?.items;
  return Array.isArray(items) ? (items as T[]) : [];
}

function toMe(data: unknown): Me {
  const d = (data ?? {}) as Record<string, unknown>;
  const acc = (d.account ?? d.user ?? d) as Partial<Account> & Record<string, unknown>;
  return {
    username: String(acc.username ?? acc.name ?? ''),
    permissions: Array.isArray(acc.permissions) ? acc.permissions : [],
    domain: typeof d.domain === 'string' ? d.domain : undefined,
  };
}

/** A staged resource: list (draft or live), one, create, patch, remove. */
export interface Resource<T, F> {
  list(view?: 'live'): Promise<T[]>;
  get(id: string): Promise<T>;
  create(fields: F): Promise<T>;
  /**
   * Changes fields of `current` (a `null` value removes an optional field). Its revision goes along, so
   * a write over someone else's newer change is refused (409) instead of silently undoing it.
   */
  update(current: { id: string; revision: number }, fields: Partial<Record<keyof F, unknown>>): Promise<T>;
  remove(id: string): Promise<void>;
}

const PAGE = 1000;

function resource<T, F>(name: string): Resource<T, F> {
  const base = `/api/${name}`;
  return {
    list: async (view) => {
      // Lists are paged (at most 1000 a page): read them all, the console shows whole lists.
      const all: T[] = [];
      for (let offset = 0; ; ) {
        const query = `?limit=${PAGE}&offset=${offset}${view ? `&view=${view}` : ''}`;
        const page = await request<unknown>('GET', `${base}${query}`);
        const items = list<T>(page);
        all.push(...items);
        const total = (page as { total?: unknown } | undefined)?.total;
        offset += items.length;
        if (Array.isArray(page) || items.length < PAGE || typeof total !== 'number' || offset >= total)
          return all;
      }
    },
    get: (id) => request('GET', `${base}/${encodeURIComponent(id)}`),
    create: (fields) => request('POST', base, fields),
    update: (current, fields) =>
      request('PATCH', `${base}/${encodeURIComponent(current.id)}`, {
        ...fields,
        revision: current.revision,
      }),
    remove: async (id) => {
      await request('DELETE', `${base}/${encodeURIComponent(id)}`);
    },
  };
}

/**
 * An optional text field for a write: its value, or `null` to remove what was set before (the API merges
 * a patch and drops fields given as null), or nothing at all.
 */
export function optional(value: string, before: unknown): string | null | undefined {
  const v = value.trim();
  if (v) return v;
  return before ? null : undefined;
}

/** Trunk fields as the console writes them (null removes an optional one). */
export type TrunkInput = Partial<Omit<TrunkFields, 'username' | 'password' | 'callerId'>> & {
  username?: string | null;
  password?: string;
  callerId?: string | null;
};

/** User fields as the console writes them, with the optional console login (null username removes it). */
export interface UserInput extends Partial<Omit<UserFields, 'email'>> {
  email?: string | null;
  username?: string | null;
  password?: string;
  permissions?: Permission[];
}

/** A user as listed: its console login's username and permissions when it has one. */
export type UserRow = User & { username?: string; permissions?: Permission[] };

let routesOnce: Promise<Set<string>> | undefined;

export const api = {
  async login(username: string, password: string): Promise<Me> {
    const data = await request('POST', '/api/login', { username, password });
    const me = toMe(data);
    return me.username ? me : api.me();
  },
  async logout(): Promise<void> {
    await request('POST', '/api/logout');
    csrfToken = undefined;
  },
  async me(): Promise<Me> {
    return toMe(await request('GET', '/api/me'));
  },
  users: resource<UserRow, UserInput>('users'),
  conferences: resource<Conference, ConferenceFields>('conferences'),
  incomingNumbers: resource<IncomingNumber, IncomingNumberFields>('incoming-numbers'),
  trunks: resource<Trunk & { registration?: { state?: string; detail?: string } }, TrunkInput>('trunks'),
  async changes(): Promise<unknown> {
    return request('GET', '/api/changes');
  },
  async apply(): Promise<{ version: number }> {
    return request('POST', '/api/apply');
  },
  async discard(): Promise<void> {
    await request('DELETE', '/api/changes');
  },
  async versions(): Promise<VersionEntry[]> {
    return list<VersionEntry>(await request('GET', '/api/versions?limit=1000'));
  },
  /** What version `n` changed relative to the one before it (version 0 is the empty configuration). */
  async versionChanges(n: number): Promise<Change[]> {
    return normalizeChanges(await request('GET', `/api/versions/${Math.max(0, n - 1)}/diff/${n}`));
  },
  async restore(n: number): Promise<void> {
    await request('POST', `/api/versions/${n}/restore`);
  },
  async participants(conferenceId: string): Promise<Participant[]> {
    return list<Participant>(
      await request('GET', `/api/conferences/${encodeURIComponent(conferenceId)}/participants`),
    );
  },
  async invite(conferenceId: string, destination: string): Promise<{ callId: string }> {
    return request('POST', `/api/conferences/${encodeURIComponent(conferenceId)}/invite`, { destination });
  },
  async mute(conferenceId: string, participantId: string, muted: boolean): Promise<void> {
    const p = `/api/conferences/${encodeURIComponent(conferenceId)}/participants/${encodeURIComponent(participantId)}`;
    await request('POST', `${p}/${muted ? 'mute' : 'unmute'}`);
  },
  async kick(conferenceId: string, participantId: string): Promise<void> {
    await request(
      'DELETE',
      `/api/conferences/${encodeURIComponent(conferenceId)}/participants/${encodeURIComponent(participantId)}`,
    );
  },
  /**
   * The API's routes, from its OpenAPI document (`/api/conferences/{id}/lock`, …), so the console offers
   * only what this server can do. Empty when the document cannot be read.
   */
  async routes(): Promise<Set<string>> {
    routesOnce ??= request<{ paths?: Record<string, unknown> }>('GET', '/api/openapi.json').then(
      (doc) => new Set(Object.keys(doc.paths ?? {}).map((p) => p.replace(/:(\w+)/g, '{$1}'))),
      () => new Set<string>(),
    );
    return routesOnce;
  },
  async lock(conferenceId: string, locked: boolean): Promise<void> {
    await request(
      'POST',
      `/api/conferences/${encodeURIComponent(conferenceId)}/${locked ? 'lock' : 'unlock'}`,
    );
  },
};
