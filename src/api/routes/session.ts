/**
 * Console login, logout and "who am I". Every login attempt is audited (username, outcome, address).
 * Wrong passwords count against the account: after `maxFailures` in a row it is locked for `lockMs`,
 * and even the right password is refused until then. Each address is also limited in attempts per minute.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { verifyNothing, verifyPassword } from '../../store/secrets.ts';
import { CSRF_COOKIE, SESSION_COOKIE } from '../auth.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { LoginGuard } from '../login-guard.ts';

const meSchema = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['account', 'token'] },
    id: { type: 'string' },
    name: { type: 'string' },
    permissions: { type: 'array', items: { type: 'string' } },
    csrfToken: { type: 'string' },
    domain: { type: 'string' },
  },
  required: ['kind', 'name', 'permissions'],
} as const;

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

function secure(request: FastifyRequest, force: boolean): boolean {
  return force || request.protocol === 'https';
}

function setSessionCookies(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
  csrf: string,
  maxAgeS: number,
  force: boolean,
) {
  const common = { path: '/', sameSite: 'strict' as const, secure: secure(request, force), maxAge: maxAgeS };
  reply.setCookie(SESSION_COOKIE, token, { ...common, httpOnly: true });
  // Readable by the console's script: the double-submit CSRF token it echoes in X-CSRF-Token.
  reply.setCookie(CSRF_COOKIE, csrf, { ...common, httpOnly: false });
}

export const sessionRoutes: FastifyPluginAsync = async (app) => {
  const { store, login, secureCookies, metrics, domain } = app.services;
  const guard = new LoginGuard(login.attemptsPerMinute);
  const failures = metrics.counter('parley_login_failures_total', 'Console logins refused');

  app.post(
    '/api/login',
    {
      config: { access: 'public' },
      schema: {
        tags: ['session'],
        summary: 'Log in to the console: sets the session cookie',
        security: [],
        body: {
          type: 'object',
          properties: {
            username: { type: 'string', maxLength: 200 },
            password: { type: 'string', maxLength: 1000 },
          },
          required: ['username', 'password'],
          additionalProperties: false,
        },
        response: { 200: meSchema, ...errorResponses, 423: errorResponses[429] },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body as { username: string; password: string };
      const ip = request.ip;
      const audit = (ok: boolean, reason?: string) =>
        store.audit({
          actor: `login:${username}`,
          action: 'login',
          target: username,
          ip,
          ok,
          detail: reason ? { reason } : undefined,
        });
      // Login CSRF: a foreign page must not log the browser into an account of its choosing.
      const origin = request.headers.origin;
      if (origin !== undefined && originHost(origin) !== request.headers.host) {
        await audit(false, 'foreign-origin');
        throw new ApiError(403, 'CSRF_FAILED', 'This login came from another site; it was refused.');
      }
      const wait = guard.attempt(ip);
      if (wait) {
        failures.inc({ reason: 'rate' });
        await audit(false, 'rate-limited');
        throw new ApiError(
          429,
          'RATE_LIMITED',
          `Too many login attempts from your address; wait ${wait} s.`,
          {
            headers: { 'retry-after': String(wait) },
          },
        );
      }
      const account = await store.findAccountByUsername(username);
      if (!account) {
        await verifyNothing(password); // the same time as a wrong password: no username probing
        failures.inc({ reason: 'password' });
        await audit(false, 'unknown-user');
        throw new ApiError(401, 'LOGIN_FAILED', 'Wrong username or password.');
      }
      const now = Date.now();
      if (account.lockedUntil && Date.parse(account.lockedUntil) > now) {
        failures.inc({ reason: 'locked' });
        await audit(false, 'locked');
        const wait = Math.ceil((Date.parse(account.lockedUntil) - now) / 1000);
        throw new ApiError(
          423,
          'ACCOUNT_LOCKED',
          `This account is locked after repeated failed logins; try again in ${wait} s.`,
          {
            headers: { 'retry-after': String(wait) },
          },
        );
      }
      if (!(await verifyPassword(account.passwordHash, password))) {
        const failed = account.failedLogins + 1;
        const lock = failed >= login.maxFailures;
        await store.setLoginState(account.id, {
          failedLogins: lock ? 0 : failed,
          lockedUntil: lock ? new Date(now + login.lockMs).toISOString() : undefined,
        });
        failures.inc({ reason: 'password' });
        await audit(false, lock ? 'wrong-password-locked' : 'wrong-password');
        throw new ApiError(401, 'LOGIN_FAILED', 'Wrong username or password.');
      }
      if (account.failedLogins || account.lockedUntil)
        await store.setLoginState(account.id, { failedLogins: 0 });
      const session = await store.createSession(account.id, login.sessionTtlMs);
      setSessionCookies(
        request,
        reply,
        session.token,
        session.csrfToken,
        Math.floor(login.sessionTtlMs / 1000),
        secureCookies,
      );
      await audit(true);
      return {
        kind: 'account',
        id: account.id,
        name: account.username,
        permissions: account.permissions,
        csrfToken: session.csrfToken,
        domain,
      };
    },
  );

  app.post(
    '/api/logout',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['session'],
        summary: 'End the console session',
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = request.principal!;
      if (p.sessionToken) await store.deleteSession(p.sessionToken);
      await store.audit({
        actor: `${p.actor.kind}:${p.actor.name}`,
        action: 'logout',
        ip: request.ip,
        ok: true,
      });
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      reply.clearCookie(CSRF_COOKIE, { path: '/' });
      reply.code(204).send();
    },
  );

  app.get(
    '/api/me',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['session'],
        summary: 'Who is calling, with which permissions',
        response: { 200: meSchema, ...errorResponses },
      },
    },
    async (request) => {
      const p = request.principal!;
      return {
        kind: p.actor.kind,
        id: p.actor.id,
        name: p.actor.name,
        permissions: p.actor.permissions,
        csrfToken: p.csrfToken,
        domain,
      };
    },
  );
};
