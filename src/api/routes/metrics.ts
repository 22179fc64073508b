/** `GET /metrics`: the metrics registry in Prometheus text format (scrape it with a bearer token). */
import type { FastifyPluginAsync } from 'fastify';
import { errorResponses } from '../errors.ts';

export const metricsRoutes: FastifyPluginAsync = async (app) => {
  const { metrics } = app.services;

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
};
