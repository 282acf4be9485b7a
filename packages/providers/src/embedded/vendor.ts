import { ErrorCode, VisemoError } from '@visemo/core';
import { z } from 'zod';
import type { ProviderKind } from '../reliability/events.js';
import { defineHop, timeoutMs, type Vendor } from '../vendor.js';

/** A provider the server builds itself (the embedded grammar recognizer needs the agent's domain). */
const schema = z.strictObject({ type: z.literal('embedded'), timeoutMs: timeoutMs.optional() });

function given<P>(provider: P | undefined, kind: ProviderKind): P {
  if (!provider)
    throw new VisemoError(
      ErrorCode.AgentInvalid,
      `providers.${kind} lists an embedded provider, but none was given`,
    );
  return provider;
}

/** The caller's own providers (`CreateProvidersOptions.embedded`): the server's Flite and grammar recognizer. */
export const embedded = {
  tts: defineHop('tts', {
    schema,
    local: true,
    create: (_hop, context) => given(context.embedded.tts, 'tts'),
  }),
  asr: defineHop('asr', {
    schema,
    local: true,
    create: (_hop, context) => given(context.embedded.asr, 'asr'),
  }),
} satisfies Vendor;
