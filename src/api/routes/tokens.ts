/** `/api/tokens`: API bearer tokens (the secret shown once, stored as a hash). Needs `admin`. */
import type { FastifyPluginAsync } from 'fastify';
import type { Permission } from '../../store/model.ts';
import { contextOf } from '../auth.ts';
import { errorResponses } from '../errors.ts';
import { idParams, permissionsSchema } from '../schemas.ts';

const tokenInfo = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    permissions: permissionsSchema,
    createdAt: { type: 'string' },
    lastUsedAt: { type: 'string' },
  },
} as const;

export const tokenRoutes: FastifyPluginAsync = async (app) => {
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
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 100 },
            permissions: permissionsSchema,
          },
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
};
