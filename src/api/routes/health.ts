/** `GET /api/health`: liveness, no authentication. */
import type { FastifyPluginAsync } from 'fastify';

export const healthRoutes: FastifyPluginAsync = async (app) => {
  const { version, store } = app.services;

  app.get(
    '/api/health',
    {
      config: { access: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Liveness: no authentication',
        security: [],
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              version: { type: 'string' },
              configVersion: { type: 'integer' },
            },
            required: ['status', 'version'],
          },
        },
      },
    },
    async () => ({ status: 'ok', version, configVersion: store.live.version }),
  );
};
