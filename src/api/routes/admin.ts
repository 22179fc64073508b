/** Administration: API tokens, standalone console accounts, the audit log, call records. All need `admin`. */
import type { FastifyPluginAsync } from 'fastify';
import { PERMISSIONS, type Permission } from '../../store/model.ts';
import { contextOf } from '../auth.ts';
import { errorResponses } from '../errors.ts';

const permissions = {
  type: 'array',
  items: { type: 'string', enum: [...PERMISSIONS] },
  uniqueItems: true,
} as const;
const tokenInfo = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    permissions,
    createdAt: { type: 'string' },
    lastUsedAt: { type: 'string' },
  },
} as const;
const accountInfo = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    username: { type: 'string' },
    permissions,
    userId: { type: 'string' },
    createdAt: { type: 'string' },
    lockedUntil: { type: 'string' },
  },
} as const;
const idParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 } },
  required: ['id'],
} as const;
const pageQuery = {
  type: 'object',
  properties: {
    offset: { type: 'integer', minimum: 0, default: 0 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
  additionalProperties: false,
} as const;
const pageOf = (item: object) => ({
  type: 'object',
  properties: {
    items: { type: 'array', items: item },
    total: { type: 'integer' },
    offset: { type: 'integer' },
    limit: { type: 'integer' },
  },
});

export const adminRoutes: FastifyPluginAsync = async (app) => {
  const { store } = app.services;
  const admin = { access: 'admin' as const };

  app.get(
    '/api/tokens',
    {
      config: admin,
      schema: {
        tags: ['tokens'],
        summary: 'API tokens (never their secret)',
        response: { 200: { type: 'array', items: tokenInfo }, ...errorResponses },
      },
    },
    async () => store.listTokens(),
  );
  app.post(
    '/api/tokens',
    {
      config: admin,
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token: its secret is shown this once',
        body: {
          type: 'object',
          properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, permissions },
          required: ['name'],
          additionalProperties: false,
        },
        response: {
          201: { ...tokenInfo, properties: { ...tokenInfo.properties, token: { type: 'string' } } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { name: string; permissions?: Permission[] };
      const { token, info } = await store.createToken(
        body.name,
        body.permissions ?? ['admin'],
        contextOf(request),
      );
      reply.code(201);
      return { ...info, token };
    },
  );
  app.delete(
    '/api/tokens/:id',
    {
      config: admin,
      schema: {
        tags: ['tokens'],
        summary: 'Revoke an API token',
        params: idParams,
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      await store.deleteToken((request.params as { id: string }).id, contextOf(request));
      reply.code(204).send();
    },
  );

  app.get(
    '/api/accounts',
    {
      config: admin,
      schema: {
        tags: ['accounts'],
        summary: 'Console accounts',
        response: { 200: { type: 'array', items: accountInfo }, ...errorResponses },
      },
    },
    async () => store.listAccounts(),
  );
  app.post(
    '/api/accounts',
    {
      config: admin,
      schema: {
        tags: ['accounts'],
        summary: 'Create a console account not tied to a user',
        body: {
          type: 'object',
          properties: {
            username: { type: 'string', minLength: 1, maxLength: 100 },
            password: { type: 'string', minLength: 8, maxLength: 1000 },
            permissions,
          },
          required: ['username', 'password'],
          additionalProperties: false,
        },
        response: { 201: accountInfo, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body as { username: string; password: string; permissions?: Permission[] };
      reply.code(201);
      return store.createAccount(
        { username: b.username, password: b.password, permissions: b.permissions ?? [] },
        contextOf(request),
      );
    },
  );
  app.patch(
    '/api/accounts/:id',
    {
      config: admin,
      schema: {
        tags: ['accounts'],
        summary: 'Change a console account (a new password also unlocks it)',
        params: idParams,
        body: {
          type: 'object',
          properties: {
            username: { type: 'string', minLength: 1, maxLength: 100 },
            password: { type: 'string', minLength: 8, maxLength: 1000 },
            permissions,
          },
          additionalProperties: false,
        },
        response: { 200: accountInfo, ...errorResponses },
      },
    },
    async (request) =>
      store.updateAccount(
        (request.params as { id: string }).id,
        request.body as { permissions?: Permission[] },
        contextOf(request),
      ),
  );
  app.delete(
    '/api/accounts/:id',
    {
      config: admin,
      schema: {
        tags: ['accounts'],
        summary: 'Delete a console account',
        params: idParams,
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      await store.deleteAccount((request.params as { id: string }).id, contextOf(request));
      reply.code(204).send();
    },
  );

  app.get(
    '/api/audit',
    {
      config: admin,
      schema: {
        tags: ['audit'],
        summary: 'The audit log, newest first: who did what, when, from where',
        querystring: pageQuery,
        response: {
          200: pageOf({
            type: 'object',
            properties: {
              id: { type: 'integer' },
              at: { type: 'string' },
              actor: { type: 'string' },
              action: { type: 'string' },
              target: { type: 'string' },
              ip: { type: 'string' },
              ok: { type: 'boolean' },
              detail: { type: 'object', additionalProperties: true },
            },
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => store.listAudit(request.query as { offset: number; limit: number }),
  );

  app.get(
    '/api/calls',
    {
      config: admin,
      schema: {
        tags: ['calls'],
        summary: 'Call records, newest first',
        querystring: pageQuery,
        response: { 200: pageOf({ type: 'object', additionalProperties: true }), ...errorResponses },
      },
    },
    async (request) => store.listCallRecords(request.query as { offset: number; limit: number }),
  );
};
