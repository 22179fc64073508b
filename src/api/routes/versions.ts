/** Applied versions: history, one version's content, the diff between two, restore into the draft. */
import type { FastifyPluginAsync } from 'fastify';
import { redact } from '../../store/model.ts';
import { contextOf } from '../auth.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { pageOf, pageQuery } from '../schemas.ts';
import { changeSchema } from './changes.ts';

const versionInfo = {
  type: 'object',
  properties: {
    version: { type: 'integer' },
    appliedAt: { type: 'string' },
    appliedBy: { type: 'string' },
    summary: {
      type: 'object',
      properties: { added: { type: 'integer' }, changed: { type: 'integer' }, removed: { type: 'integer' } },
    },
  },
} as const;

const n = { type: 'integer', minimum: 0 } as const;

export const versionRoutes: FastifyPluginAsync = async (app) => {
  const { store } = app.services;

  app.get(
    '/api/versions',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['versions'],
        summary: 'Applied versions, newest first',
        querystring: pageQuery,
        response: {
          200: pageOf(versionInfo),
          ...errorResponses,
        },
      },
    },
    async (request) => store.versions(request.query as { offset: number; limit: number }),
  );

  app.get(
    '/api/versions/:n',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['versions'],
        summary: 'The whole configuration of one version (secrets left out)',
        params: { type: 'object', properties: { n }, required: ['n'] },
        response: { 200: { type: 'object', additionalProperties: true }, ...errorResponses },
      },
    },
    async (request) => {
      const v = (request.params as { n: number }).n;
      const config = await store.version(v);
      if (!config) throw new ApiError(404, 'NOT_FOUND', `Version ${v} does not exist.`);
      return {
        version: v,
        users: config.users.map(redact),
        conferences: config.conferences,
        incomingNumbers: config.incomingNumbers,
        trunks: config.trunks.map(redact),
      };
    },
  );

  app.get(
    '/api/versions/:from/diff/:to',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['versions'],
        summary: 'What changed from one version to another, field by field',
        params: { type: 'object', properties: { from: n, to: n }, required: ['from', 'to'] },
        response: { 200: { type: 'array', items: changeSchema }, ...errorResponses },
      },
    },
    async (request) => {
      const { from, to } = request.params as { from: number; to: number };
      return store.diffVersions(from, to);
    },
  );

  app.post(
    '/api/versions/:n/restore',
    {
      config: { access: 'apply' },
      schema: {
        tags: ['versions'],
        summary: 'Copy a version into the draft (Apply then publishes it)',
        params: { type: 'object', properties: { n }, required: ['n'] },
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      await store.restore((request.params as { n: number }).n, contextOf(request));
      reply.code(204).send();
    },
  );
};
