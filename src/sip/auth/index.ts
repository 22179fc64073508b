/**
 * SIP digest authentication and abuse protection: the public surface of `src/sip/auth`.
 */
export { BanList, type BanListOptions } from './ban-list.ts';
export {
  computeHa1,
  computeResponse,
  constantTimeEqual,
  DIGEST_ALGORITHMS,
  type DigestAlgorithm,
  digestHash,
  parseAlgorithm,
} from './digest.ts';
export {
  type DigestChallenge,
  DigestClient,
  type DigestClientOptions,
  pickChallenge,
} from './digest-client.ts';
export {
  type AuthParams,
  type AuthParseError,
  formatAuthHeader,
  isAuthParseError,
  parseAuthHeader,
  quote,
} from './digest-header.ts';
export {
  type DigestFailureReason,
  type DigestRequest,
  type DigestResult,
  DigestServer,
  type DigestServerOptions,
  type PasswordLookup,
} from './digest-server.ts';
export { NonceIssuer, type NonceState } from './nonce.ts';
export { NonceCountTracker } from './nonce-count.ts';
