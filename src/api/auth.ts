/**
 * Authentication and authorisation for every API route.
 *
 * - A caller is a bearer token (`Authorization: Bearer parley_…`, stored hashed) or a console session
 *   (cookie `parley_session`, HttpOnly, SameSite=Strict, Secure under TLS; stored hashed).
 * - CSRF: a cookie-authenticated write (any method but GET/HEAD/OPTIONS) must carry the session's token in
 *   the `X-CSRF-Token` header (the console reads it from the `parley_csrf` cookie or from the login
 *   answer), and when the browser sends `Origin`, it must name this very host. Bearer-token calls are not
 *   exposed to CSRF (a browser never adds that header by itself) and skip both checks.
 * - Every /api route declares `config.access`; a route without one is refused at start-up.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hasPermission } from '../store/model.ts';
import type { Context } from '../store/store.ts';
import { ApiError } from './errors.ts';
import type { Access, Principal } from './types.ts';

export const SESSION_COOKIE = 'parley_session';
export const CSRF_COOKIE = 'parley_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The store context (who and from where) of a request. */
export function contextOf(request: FastifyRequest): Context {
  if (!request.principal) throw new ApiError(401, 'UNAUTHENTICATED', 'Log in or give an API token.');
  return { actor: request.principal.actor, ip: request.ip };
}

async function identify(app: FastifyInstance, request: FastifyRequest): Promise<Principal | null> {
  const { store } = app.services;
  const auth = request.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    const token = m ? await store.findToken(m[1]!) : undefined;
    if (!token) throw new ApiError(401, 'UNAUTHENTICATED', 'The API token is not valid.');
    return {
      actor: { kind: 'token', id: token.id, name: token.name, permissions: token.permissions },
      via: 'token',
    };
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (!cookie) return null;
  const session = await store.findSession(cookie);
  if (!session) return null;
  return {
    actor: {
      kind: 'account',
      id: session.account.id,
      name: session.account.username,
      permissions: session.account.permissions,
    },
    via: 'session',
    csrfToken: session.csrfToken,
    sessionToken: cookie,
  };
}

function checkCsrf(request: FastifyRequest, principal: Principal): void {
  if (principal.via !== 'session' || SAFE_METHODS.has(request.method)) return;
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== request.headers.host)
      throw new ApiError(403, 'CSRF_FAILED', 'This request came from another site; it was refused.');
  }
  const header = request.headers[CSRF_HEADER];
  if (typeof header !== 'string' || !principal.csrfToken || !sameSecret(header, principal.csrfToken))
    throw new ApiError(403, 'CSRF_FAILED', `A console write needs the ${CSRF_HEADER} header from the login.`);
}

/** Checks that a principal may use a route of the given access. */
export function authorize(principal: Principal | null, access: Access): void {
  if (access === 'public') return;
  if (!principal) throw new ApiError(401, 'UNAUTHENTICATED', 'Log in or give an API token.');
  if (access === 'authenticated') return;
  if (!hasPermission(principal.actor.permissions, access))
    throw new ApiError(403, 'FORBIDDEN', `This needs the "${access}" permission.`);
}

/** Installs authentication on the root instance, and the start-up check that every route declares access. */
export function installAuth(app: FastifyInstance): void {
  app.decorateRequest('principal', null);
  app.addHook('onRoute', (route) => {
    const url = route.url ?? route.path;
    const guarded = url.startsWith('/api/') || url === '/metrics';
    const docs = url.startsWith('/api/docs');
    if (guarded && !docs && !route.config?.access)
      throw new Error(`route ${route.method} ${url} declares no access (config.access)`);
  });
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config?.access;
    if (!access || access === 'public') return;
    const principal = await identify(app, request);
    request.principal = principal;
    authorize(principal, access);
    if (principal) checkCsrf(request, principal);
  });
}
