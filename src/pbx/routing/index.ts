/** Routing: dialled number + caller → destination, over a configuration snapshot. */
export * from './route.ts';
export * from './routing-config.ts';
