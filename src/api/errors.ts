/**
 * The API's error set: every failure leaves as `{ error: { code, message } }` (plus `errors: [{ path,
 * message }]` when fields are at fault) with a fitting status. Codes are stable; messages are plain words.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { StoreError } from '../store/store.ts';

export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly errors?: FieldError[];
  readonly headers?: Record<string, string>;

  constructor(
    statusCode: number,
    code: string,
    message: string,
    extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.code = code;
    this.errors = extra.errors;
    this.headers = extra.headers;
  }
}

const STORE_STATUS: Record<StoreError['code'], [number, string]> = {
  NOT_FOUND: [404, 'NOT_FOUND'],
  CONFLICT: [409, 'CONFLICT'],
  DUPLICATE: [409, 'DUPLICATE'],
  INVALID: [422, 'VALIDATION_FAILED'],
};

/** The JSON schema of an error body, for route `response` sections. */
export const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      required: ['code', 'message'],
    },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
  required: ['error'],
} as const;

/** Error responses every route may give. */
export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  422: errorSchema,
  429: errorSchema,
  503: errorSchema,
} as const;

function body(code: string, message: string, errors?: FieldError[]) {
  return errors?.length ? { error: { code, message }, errors } : { error: { code, message } };
}

/** Fastify error handler: maps thrown values to the error body; a 5xx is logged and described vaguely. */
export function handleError(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof ApiError) {
    if (err.headers) reply.headers(err.headers);
    reply.code(err.statusCode).send(body(err.code, err.message, err.errors));
    return;
  }
  if (err instanceof StoreError) {
    const [status, code] = STORE_STATUS[err.code];
    reply.code(status).send(body(code, err.message, err.errors));
    return;
  }
  const fe = err as FastifyError;
  if (fe.validation) {
    const errors = fe.validation.map((v) => {
      const missing = (v.params as { missingProperty?: string }).missingProperty;
      const path = [
        fe.validationContext,
        ...v.instancePath.split('/').filter(Boolean),
        ...(missing ? [missing] : []),
      ].join('.');
      return {
        path,
        message: missing
          ? `${missing} is required.`
          : `${v.instancePath.split('/').pop() || 'value'} ${v.message}.`,
      };
    });
    reply.code(400).send(body('BAD_REQUEST', 'The request is not well-formed.', errors));
    return;
  }
  const status = fe.statusCode ?? 500;
  if (status < 500) {
    reply.code(status).send(body(fe.code ?? 'BAD_REQUEST', fe.message));
    return;
  }
  request.log.error({ err }, 'request failed');
  reply.code(500).send(body('INTERNAL', 'Something went wrong on the server; it has been logged.'));
}
