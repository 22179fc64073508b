/**
 * Validation in plain words. `validateObject` checks one object on its own (run on every save);
 * `validateConfiguration` checks a whole configuration, cross-references included (run by Apply, which
 * refuses the draft when anything is wrong). Each problem names the path of the field it is about.
 */
import { isIP } from 'node:net';
import type { Configuration, FieldTypes, ObjectKind } from './model.ts';

export interface ValidationError {
  /** Where: `extension` for one object, `users.<id>.extension` in a whole configuration. */
  path: string;
  message: string;
}

const DIGITS = /^[0-9]{1,20}$/;
/** ITU-T E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
const E164 = /^\+[1-9][0-9]{1,14}$/;
const HOST =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

type Fields = Record<string, unknown>;
type Check = (obj: Fields, out: ValidationError[]) => void;

function text(obj: Fields, field: string, label: string, out: ValidationError[], max = 100): void {
  const v = obj[field];
  if (typeof v !== 'string' || v.trim() === '') out.push({ path: field, message: `${label} is required.` });
  else if (v.length > max) out.push({ path: field, message: `${label} is longer than ${max} characters.` });
}

function digits(obj: Fields, field: string, label: string, out: ValidationError[], required: boolean): void {
  const v = obj[field];
  if (v === undefined || v === null || v === '') {
    if (required) out.push({ path: field, message: `${label} is required.` });
    return;
  }
  if (typeof v !== 'string' || !DIGITS.test(v))
    out.push({ path: field, message: `${label} must be digits only (0-9), at most 20 of them.` });
}

function e164(obj: Fields, field: string, label: string, out: ValidationError[], required: boolean): void {
  const v = obj[field];
  if (v === undefined || v === null || v === '') {
    if (required) out.push({ path: field, message: `${label} is required.` });
    return;
  }
  if (typeof v !== 'string' || !E164.test(v))
    out.push({
      path: field,
      message: `${label} must be in international E.164 form: a plus sign and up to 15 digits, like +3221234567.`,
    });
}

function isAddressOrCidr(v: string): boolean {
  const [addr, bits, extra] = v.split('/');
  if (extra !== undefined || !addr) return false;
  const family = isIP(addr);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^[0-9]{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

const CHECKS: { [K in ObjectKind]: Check } = {
  users(o, out) {
    text(o, 'name', 'Name', out);
    digits(o, 'extension', 'Extension', out, true);
    const pw = o.sipPassword;
    if (typeof pw !== 'string' || pw.length < 4)
      out.push({ path: 'sipPassword', message: 'SIP password must have at least 4 characters.' });
    else if (pw.length > 128)
      out.push({ path: 'sipPassword', message: 'SIP password is longer than 128 characters.' });
    if (o.email !== undefined && (typeof o.email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(o.email)))
      out.push({ path: 'email', message: 'Email address is not valid.' });
    if (o.canCallOut !== undefined && typeof o.canCallOut !== 'boolean')
      out.push({ path: 'canCallOut', message: '"May call external numbers" must be true or false.' });
  },
  conferences(o, out) {
    text(o, 'name', 'Name', out);
    digits(o, 'extension', 'Extension', out, true);
    digits(o, 'accessCode', 'Access code', out, false);
    digits(o, 'adminExtension', 'Administrator extension', out, false);
    if (typeof o.waitForAdmin !== 'boolean')
      out.push({ path: 'waitForAdmin', message: '"Wait for the administrator" must be true or false.' });
    else if (o.waitForAdmin && !o.adminExtension)
      out.push({
        path: 'adminExtension',
        message: '"Wait for the administrator" needs an administrator extension.',
      });
  },
  incomingNumbers(o, out) {
    e164(o, 'number', 'Number', out, true);
    const d = o.destination as Fields | undefined;
    if (!d || typeof d !== 'object') {
      out.push({ path: 'destination', message: 'Destination is required.' });
      return;
    }
    if (d.type === 'extension') digits(d, 'extension', 'Destination extension', out, true);
    else if (d.type === 'conference') {
      if (typeof d.conferenceId !== 'string' || d.conferenceId === '')
        out.push({ path: 'destination.conferenceId', message: 'Destination conference is required.' });
    } else if (d.type !== 'none' && d.type !== 'hangup')
      out.push({
        path: 'destination.type',
        message: 'Destination type must be one of none, extension, conference, hangup.',
      });
    for (const e of out) if (e.path === 'extension') e.path = 'destination.extension';
  },
  trunks(o, out) {
    text(o, 'name', 'Name', out);
    if (typeof o.host !== 'string' || !(HOST.test(o.host) || isIP(o.host) !== 0))
      out.push({ path: 'host', message: 'Host must be a host name or an IP address.' });
    if (typeof o.port !== 'number' || !Number.isInteger(o.port) || o.port < 1 || o.port > 65535)
      out.push({ path: 'port', message: 'Port must be a whole number from 1 to 65535.' });
    if (!['udp', 'tcp', 'tls'].includes(o.transport as string))
      out.push({ path: 'transport', message: 'Transport must be udp, tcp or tls.' });
    if (typeof o.register !== 'boolean')
      out.push({ path: 'register', message: '"Register" must be true or false.' });
    else if (o.register && (!o.username || !o.password))
      out.push({ path: 'username', message: 'Registering needs a username and a password.' });
    e164(o, 'callerId', 'Caller id', out, false);
    if (!Array.isArray(o.inboundAddresses))
      out.push({ path: 'inboundAddresses', message: 'Inbound addresses must be a list.' });
    else
      o.inboundAddresses.forEach((a, i) => {
        if (typeof a !== 'string' || !isAddressOrCidr(a))
          out.push({
            path: `inboundAddresses.${i}`,
            message: `"${String(a)}" is not an IP address or a network like 192.0.2.0/24.`,
          });
      });
  },
};

/** Checks one object's own fields (no cross-references). Empty when it is fine. */
export function validateObject<K extends ObjectKind>(kind: K, fields: FieldTypes[K]): ValidationError[] {
  const out: ValidationError[] = [];
  CHECKS[kind](fields as unknown as Fields, out);
  return out;
}

const LABEL: Record<ObjectKind, string> = {
  users: 'user',
  conferences: 'conference',
  incomingNumbers: 'incoming number',
  trunks: 'trunk',
};

/**
 * Checks a whole configuration: every object, extensions unique across users and conferences, every
 * reference pointing at something that exists. Paths are `kind.id.field`.
 */
export function validateConfiguration(config: Configuration): ValidationError[] {
  const out: ValidationError[] = [];
  const at = (kind: ObjectKind, id: string, field: string) => `${kind}.${id}.${field}`;
  for (const kind of Object.keys(CHECKS) as ObjectKind[]) {
    for (const obj of config[kind]) {
      for (const e of validateObject(kind, obj as never))
        out.push({ path: at(kind, obj.id, e.path), message: e.message });
    }
  }
  // Every holder of a shared extension is reported, naming the others, so the result does not depend on order.
  const holders = new Map<string, { kind: 'users' | 'conferences'; id: string; label: string }[]>();
  const claim = (kind: 'users' | 'conferences', id: string, name: string, ext: string) => {
    if (!ext) return;
    const list = holders.get(ext) ?? [];
    list.push({ kind, id, label: `${LABEL[kind]} "${name}"` });
    holders.set(ext, list);
  };
  for (const u of config.users) claim('users', u.id, u.name, u.extension);
  for (const c of config.conferences) claim('conferences', c.id, c.name, c.extension);
  for (const [ext, list] of holders) {
    if (list.length < 2) continue;
    for (const h of list) {
      const others = list.filter((o) => o !== h).map((o) => o.label);
      out.push({
        path: at(h.kind, h.id, 'extension'),
        message: `Extension ${ext} is also used by ${others.join(', ')}.`,
      });
    }
  }
  const extensions = holders;
  const userExtensions = new Set(config.users.map((u) => u.extension));
  for (const c of config.conferences) {
    if (c.adminExtension && !userExtensions.has(c.adminExtension))
      out.push({
        path: at('conferences', c.id, 'adminExtension'),
        message: `Administrator extension ${c.adminExtension} is not any user's extension.`,
      });
  }
  const trunkIds = new Set(config.trunks.map((t) => t.id));
  const trunkNames = new Set<string>();
  for (const t of config.trunks) {
    if (trunkNames.has(t.name))
      out.push({ path: at('trunks', t.id, 'name'), message: `Another trunk is already named "${t.name}".` });
    trunkNames.add(t.name);
  }
  const conferenceIds = new Set(config.conferences.map((c) => c.id));
  const numbers = new Set<string>();
  for (const n of config.incomingNumbers) {
    const key = `${n.number} ${n.trunkId ?? '*'}`;
    if (numbers.has(key))
      out.push({
        path: at('incomingNumbers', n.id, 'number'),
        message: `Number ${n.number} is listed twice.`,
      });
    numbers.add(key);
    if (n.trunkId && !trunkIds.has(n.trunkId))
      out.push({
        path: at('incomingNumbers', n.id, 'trunkId'),
        message: 'The trunk this number names does not exist.',
      });
    const d = n.destination;
    if (d?.type === 'extension' && d.extension && !extensions.has(d.extension))
      out.push({
        path: at('incomingNumbers', n.id, 'destination.extension'),
        message: `Destination extension ${d.extension} is neither a user nor a conference.`,
      });
    if (d?.type === 'conference' && d.conferenceId && !conferenceIds.has(d.conferenceId))
      out.push({
        path: at('incomingNumbers', n.id, 'destination.conferenceId'),
        message: 'The destination conference does not exist.',
      });
  }
  return out;
}
