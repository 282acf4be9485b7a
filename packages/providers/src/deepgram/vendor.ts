import { z } from 'zod';
import { defineHop, envName, timeoutMs, url, type Vendor } from '../vendor.js';
import { DeepgramRecognizer } from './live.js';

/** Deepgram's live streaming recognition. */
export const deepgram = {
  asr: defineHop('asr', {
    schema: z.strictObject({
      type: z.literal('deepgram'),
      model: z.string().optional(),
      language: z.string().optional(),
      baseURL: url.optional(),
      smartFormat: z.boolean().optional(),
      endpointingMs: z.number().int().nonnegative().optional(),
      keyterms: z.array(z.string()).optional(),
      apiKeyEnv: envName.optional(),
      timeoutMs: timeoutMs.optional(),
    }),
    apiKey: { env: 'DEEPGRAM_API_KEY', required: true },
    create: (hop, { apiKey }) =>
      new DeepgramRecognizer({
        apiKey,
        model: hop.model,
        language: hop.language,
        baseURL: hop.baseURL,
        smartFormat: hop.smartFormat,
        endpointingMs: hop.endpointingMs,
        keyterms: hop.keyterms,
      }),
  }),
} satisfies Vendor;
