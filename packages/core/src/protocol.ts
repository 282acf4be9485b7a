/**
 * Protocol version 1 (docs/protocol.md), shared by the server and the browser SDK: its limits, and
 * one schema per message in each direction, from which the wire types are inferred. The schemas
 * are zod/mini, whose parts a bundle takes only as used; the browser imports this module as
 * `@visemo/core/protocol`, without the rest of core (the agent schema, yaml).
 */
export * from './protocol-client-messages.js';
export * from './protocol-limits.js';
export * from './protocol-server-events.js';
