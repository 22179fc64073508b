/** Call-flow steps, one per file, over the narrow `CallContext`; `conferenceFlow` composes them. */
export * from './access-code.ts';
export * from './answer.ts';
export * from './call-context.ts';
export * from './collect-digits.ts';
export * from './conference.ts';
export * from './conference-flow.ts';
export * from './engine-call-media.ts';
export * from './hangup.ts';
export * from './playback.ts';
