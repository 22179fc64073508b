/**
 * `/api/users`: the staged users, plus each one's optional console login (`username`, `password`,
 * `permissions`). Logins are not staged: they take effect at once, and deleting the user removes its
 * login at once (a login that nobody can see in the console must not linger).
 */
import type { FastifyRequest } from 'fastify';
import { hasPermission, type Permission, type User } from '../../store/model.ts';
import { contextOf } from '../auth.ts';
import { ApiError } from '../errors.ts';
import { permissionsSchema as permissions } from '../schemas.ts';
import { configResource } from './config-resource.ts';

function mustAdminister(request: FastifyRequest): void {
  if (!hasPermission(request.principal?.actor.permissions ?? [], 'admin'))
    throw new ApiError(403, 'FORBIDDEN', 'Console logins and permissions need the "admin" permission.');
}

function loginIncomplete(path: string): ApiError {
  const message = 'A console login needs a username and a password.';
  return new ApiError(422, 'VALIDATION_FAILED', message, { errors: [{ path, message }] });
}

async function syncLogin(user: User, extra: Record<string, unknown>, request: FastifyRequest): Promise<void> {
  if (!('username' in extra) && !('password' in extra) && !('permissions' in extra)) return;
  mustAdminister(request);
  const { store } = request.server.services;
  const ctx = contextOf(request);
  const existing = await store.accountForUser(user.id);
  const username = extra.username as string | null | undefined;
  if (username === null) {
    if (existing) await store.deleteAccount(existing.id, ctx);
    return;
  }
  const password = extra.password as string | undefined;
  const perms = extra.permissions as Permission[] | undefined;
  if (existing) {
    await store.updateAccount(existing.id, { username, password, permissions: perms }, ctx);
    return;
  }
  if (!username && !password) return;
  if (!username || !password) throw loginIncomplete(username ? 'password' : 'username');
  await store.createAccount({ username, password, permissions: perms ?? [], userId: user.id }, ctx);
}

export const userRoutes = configResource({
  kind: 'users',
  path: '/api/users',
  tag: 'users',
  noun: 'user',
  readAccess: 'authenticated',
  writeAccess: 'admin',
  writable: {
    name: { type: 'string', maxLength: 200 },
    extension: { type: 'string', maxLength: 40 },
    sipPassword: { type: 'string', maxLength: 200, description: 'write-only' },
    email: { type: 'string', maxLength: 200 },
    canCallOut: {
      type: 'boolean',
      description: 'may call external numbers through a trunk (default true)',
    },
  },
  readable: {
    name: { type: 'string' },
    extension: { type: 'string' },
    email: { type: 'string' },
    canCallOut: { type: 'boolean' },
  },
  extraWritable: {
    username: {
      type: ['string', 'null'],
      minLength: 1,
      maxLength: 100,
      description: 'console login; null removes it',
    },
    password: { type: 'string', minLength: 8, maxLength: 1000, description: 'console password, write-only' },
    permissions,
  },
  extraReadable: { username: { type: 'string' }, permissions },
  decorate: async (items, request) => {
    const accounts = await request.server.services.store.listAccounts();
    const byUser = new Map(accounts.filter((a) => a.userId).map((a) => [a.userId!, a]));
    return items.map((u) => {
      const a = byUser.get(u.id);
      return a ? { ...u, username: a.username, permissions: a.permissions } : { ...u, permissions: [] };
    });
  },
  afterCreate: async (user, extra, request) => {
    try {
      await syncLogin(user, extra, request);
    } catch (err) {
      // The user and its login are made together or not at all.
      await request.server.services.store.remove('users', user.id, contextOf(request));
      throw err;
    }
  },
  beforeWrite: async (extra, request, id) => {
    if (!('username' in extra) && !('password' in extra) && !('permissions' in extra)) return;
    mustAdminister(request);
    const username = extra.username;
    if (username === null) return;
    const { store } = request.server.services;
    const existing = id === undefined ? undefined : await store.accountForUser(id);
    // Permissions alone, for a user without a login, are nothing to do (a form may always send them).
    if (!existing && !username && !extra.password) return;
    if (!existing && (!username || !extra.password))
      throw loginIncomplete(username ? 'password' : 'username');
    if (typeof username !== 'string') return;
    const holder = await store.findAccountByUsername(username);
    if (holder && (id === undefined || holder.userId !== id))
      throw new ApiError(409, 'DUPLICATE', `The username "${username}" is already taken.`);
  },
  afterUpdate: syncLogin,
  afterDelete: async (id, request) => {
    const { store } = request.server.services;
    const account = await store.accountForUser(id);
    if (account) await store.deleteAccount(account.id, contextOf(request));
  },
});
