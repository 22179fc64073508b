/** `/api/accounts`: console accounts, including those tied to no user (`parley admin create`). Needs `admin`. */
import type { FastifyPluginAsync } from 'fastify';
import type { Permission } from '../../store/model.ts';
import { contextOf } from '../auth.ts';
import { errorResponses } from '../errors.ts';
import { idParams, permissionsSchema } from '../schemas.ts';

const accountInfo = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    username: { type: 'string' },
    permissions: permissionsSchema,
    userId: { type: 'string' },
    createdAt: { type: 'string' },
    lockedUntil: { type: 'string' },
  },
} as const;

export const accountRoutes: FastifyPluginAsync = async (app) => {
  const { store } = app.services;
  const admin = { access: 'admin' as const };

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
            permissions: permissionsSchema,
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
            permissions: permissionsSchema,
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
};
