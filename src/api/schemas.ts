/** JSON-schema pieces the route plugins share. */
import { PERMISSIONS } from '../store/model.ts';

export const permissionsSchema = {
  type: 'array',
  items: { type: 'string', enum: [...PERMISSIONS] },
  uniqueItems: true,
} as const;

export const idParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 } },
  required: ['id'],
} as const;

export const pageQuery = {
  type: 'object',
  properties: {
    offset: { type: 'integer', minimum: 0, default: 0 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
  additionalProperties: false,
} as const;

/** `{ items, total, offset, limit }` of `item`. */
export function pageOf(item: object) {
  return {
    type: 'object',
    properties: {
      items: { type: 'array', items: item },
      total: { type: 'integer' },
      offset: { type: 'integer' },
      limit: { type: 'integer' },
    },
  };
}
