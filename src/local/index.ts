// Entry point `hopx-api/local`: a local HopX for development and tests. Nothing in the client core
// (`hopx-api`) imports it. It runs code as you, on this machine: it is not a security sandbox.

export type { LocalHopx, LocalHopxOptions } from './local-hopx.js';
export { startLocalHopx } from './local-hopx.js';
export type { Violation } from './spec-validator.js';
export { SpecValidator } from './spec-validator.js';
