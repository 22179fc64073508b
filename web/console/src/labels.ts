/** Plain words for kinds, fields and values, in the seed's own terms, shared by the change lists. */
import type { Destination } from './api.ts';

const KINDS: Record<string, string> = {
  users: 'User',
  user: 'User',
  conferences: 'Conference',
  conference: 'Conference',
  incomingNumbers: 'Incoming number',
  'incoming-numbers': 'Incoming number',
  incomingNumber: 'Incoming number',
  trunks: 'Trunk',
  trunk: 'Trunk',
};

const FIELDS: Record<string, string> = {
  name: 'Name',
  extension: 'Internal extension',
  accessCode: 'Access code',
  adminExtension: 'Administrator extension',
  waitForAdmin: 'Wait for the administrator to start the conference',
  sipPassword: 'SIP password',
  email: 'Email',
  canCallOut: 'May call external numbers',
  permissions: 'Permissions',
  number: 'Number',
  trunkId: 'Trunk',
  destination: 'Destination type for voice call',
  host: 'Host',
  port: 'Port',
  transport: 'Transport',
  username: 'Username',
  password: 'Password',
  register: 'Register with the carrier',
  callerId: 'Caller ID',
  inboundAddresses: 'Addresses calls come from',
};

const ORDER = Object.keys(FIELDS);

/** Sorts a change's fields in the order the forms show them (the API sorts them alphabetically). */
export function byFormOrder(a: { field: string }, b: { field: string }): number {
  const rank = (f: string) => (ORDER.includes(f) ? ORDER.indexOf(f) : ORDER.length);
  return rank(a.field) - rank(b.field) || a.field.localeCompare(b.field);
}

export function kindLabel(kind: string): string {
  return KINDS[kind] ?? kind;
}

export function fieldLabel(kind: string, field: string): string {
  if (field === 'extension' && KINDS[kind] === 'User') return 'Extension';
  return FIELDS[field] ?? field;
}

/** A destination in words, with conference names when known. */
export function describeDestination(
  d: Destination | undefined,
  conferenceName?: (id: string) => string,
): string {
  switch (d?.type) {
    case 'extension':
      return `Extension ${d.extension}`;
    case 'conference':
      return `Conference ${conferenceName ? conferenceName(d.conferenceId) : d.conferenceId}`;
    case 'hangup':
      return 'Hang up';
    default:
      return 'Not configured';
  }
}

/** A field's value for a change list: secrets and access codes never shown, booleans as Yes/No. */
export function formatValue(field: string, value: unknown, secret?: boolean): string {
  if (secret || field === 'sipPassword' || field === 'password')
    return value === undefined ? 'changed (hidden)' : '••••••';
  if (value === undefined || value === null || value === '') return '—';
  if (field === 'accessCode') return '•'.repeat(String(value).length);
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (field === 'destination' && typeof value === 'object') return describeDestination(value as Destination);
  if (Array.isArray(value)) return value.length ? value.join(', ') : '—';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A trunk's registration as the server reports it (`GET /api/trunks`, `trunk.registration` events). */
export interface Registration {
  state?: string;
  /** e.g. the provider's last failure: "403 Forbidden". */
  detail?: string;
}

/** A trunk's registration in words, with the tone of its mark (ok, warn, bad, muted). */
export function describeRegistration(register: boolean, r?: Registration): { text: string; tone: string } {
  if (!register) return { text: 'Not registering', tone: 'muted' };
  const detail = r?.detail ? `: ${r.detail}` : '';
  switch (r?.state) {
    case 'registered':
      return { text: 'Registered', tone: 'ok' };
    case 'registering':
      return { text: 'Registering…', tone: 'warn' };
    case 'failed':
      return { text: `Failed${detail}`, tone: 'bad' };
    case 'unregistered':
      return { text: `Not registered${detail}`, tone: 'warn' };
    case undefined:
    case '':
      return { text: 'No status reported', tone: 'muted' };
    default:
      return { text: `${r?.state}${detail}`, tone: 'warn' };
  }
}
