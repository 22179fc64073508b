/** Health (no auth), Prometheus metrics, the OpenAPI document. */
import type { FastifyPluginAsync } from 'fastify';
import { errorResponses } from '../errors.ts';

export const systemRoutes: FastifyPluginAsync = async (app) => {
  const { metrics, version, store } = app.services;

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

  app.get(
    '/metrics',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['system'],
        summary: 'Prometheus metrics (text exposition format 0.0.4)',
        produces: ['text/plain'],
        response: errorResponses,
      },
    },
    async (_request, reply) => {
      reply.type('text/plain; version=0.0.4; charset=utf-8');
      return metrics.render();
    },
  );

  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
};
