export * from './dtmf-digit.ts';
export * from './dtmf-inband.ts';
export * from './dtmf-rfc4733.ts';
export * from './goertzel.ts';
export * from './jitter-buffer.ts';
export * from './plc-g711.ts';
export * from './resampler.ts';
export * from './vad.ts';
