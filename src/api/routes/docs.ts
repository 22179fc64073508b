/** The OpenAPI document at `/api/openapi.json` (the page at `/api/docs` is @fastify/swagger-ui). */
import type { FastifyPluginAsync } from 'fastify';

export const docsRoutes: FastifyPluginAsync = async (app) => {
  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
};
