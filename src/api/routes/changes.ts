/**
 * Staging: `GET /api/changes` (what the draft would change, field by field, and what Apply would refuse),
 * `POST /api/apply` (all or nothing), `DELETE /api/changes` (discard the draft).
 */
import type { FastifyPluginAsync } from 'fastify';
import { contextOf } from '../auth.ts';
import { errorResponses } from '../errors.ts';

export const changeSchema = {
  type: 'object',
  properties: {
    kind: { type: 'string' },
    id: { type: 'string' },
    action: { type: 'string', enum: ['added', 'changed', 'removed'] },
    label: { type: 'string' },
    fields: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, from: {}, to: {} },
        required: ['field'],
      },
    },
  },
  required: ['kind', 'id', 'action', 'label', 'fields'],
} as const;

const problem = {
  type: 'object',
  properties: { path: { type: 'string' }, message: { type: 'string' } },
} as const;

export const changeRoutes: FastifyPluginAsync = async (app) => {
  const { store } = app.services;

  app.get(
    '/api/changes',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['changes'],
        summary: 'The pending draft: each object added, changed or removed, with a field diff',
        response: {
          200: {
            type: 'object',
            properties: {
              baseVersion: { type: 'integer' },
              changes: { type: 'array', items: changeSchema },
              problems: { type: 'array', items: problem },
            },
            required: ['baseVersion', 'changes', 'problems'],
          },
          ...errorResponses,
        },
      },
    },
    async () => store.changes(),
  );

  app.post(
    '/api/apply',
    {
      config: { access: 'apply' },
      schema: {
        tags: ['changes'],
        summary:
          'Apply the draft: validated as a whole, published as a new version, or refused (422) with nothing applied',
        response: {
          200: {
            type: 'object',
            properties: { version: { type: 'integer' }, unchanged: { type: 'boolean' } },
            required: ['version', 'unchanged'],
          },
          ...errorResponses,
        },
      },
    },
    async (request) => store.apply(contextOf(request)),
  );

  app.delete(
    '/api/changes',
    {
      config: { access: 'apply' },
      schema: {
        tags: ['changes'],
        summary: 'Discard the draft',
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      await store.discard(contextOf(request));
      reply.code(204).send();
    },
  );
};
