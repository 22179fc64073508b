/** `/api/audit` and `/api/calls`: the audit log and the call records, newest first. Need `admin`. */
import type { FastifyPluginAsync } from 'fastify';
import { errorResponses } from '../errors.ts';
import { pageOf, pageQuery } from '../schemas.ts';

export const recordRoutes: FastifyPluginAsync = async (app) => {
  const { store } = app.services;
  const admin = { access: 'admin' as const };

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
