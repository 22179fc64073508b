export * from './rtcp.ts';
export * from './rtcp-reporter.ts';
export * from './rtp-packet.ts';
export * from './rtp-stats.ts';
