/**
 * `GET /api/events`: the live event stream as server-sent events (WHATWG HTML §9.2): one `event:` line
 * with the type, `data:` the JSON payload, `id:` for `Last-Event-ID` catch-up after a reconnect.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import type { ParleyEvent } from '../event-bus.ts';

/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

/**
 * Event ids carry this process's boot tag: a client reconnecting after a restart must not be "caught up"
 * from another process's numbering.
 */
const BOOT = randomBytes(4).toString('hex');

function frame(e: ParleyEvent): string {
  return `id: ${BOOT}-${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify({ at: e.at, ...e.data })}\n\n`;
}

export const eventRoutes: FastifyPluginAsync = async (app) => {
  const { events, metrics } = app.services;
  const open = new Set<ServerResponse>();
  metrics.gauge('parley_api_event_streams', 'Open /api/events streams', () => open.size);
  // Streams never end by themselves: close them so the server can stop.
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  app.get(
    '/api/events',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['events'],
        summary: 'Server-sent events: conference.*, participant.*, call.*, config.applied',
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const res = reply.raw;
      reply.hijack();
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': parley events\nretry: 3000\n\n');
      const last = /^([0-9a-f]+)-(\d+)$/.exec(String(request.headers['last-event-id'] ?? ''));
      if (last && last[1] === BOOT) for (const e of events.since(Number(last[2]))) res.write(frame(e));
      const off = events.subscribe((e) => res.write(frame(e)));
      const beat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
      beat.unref();
      open.add(res);
      const done = () => {
        off();
        clearInterval(beat);
        open.delete(res);
      };
      res.on('close', done);
      res.on('error', done);
    },
  );
};
