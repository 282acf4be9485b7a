import { z } from 'zod';
import { defineHop, envName, timeoutMs, url, type Vendor } from '../vendor.js';
import { ElevenLabsSynthesizer } from './synthesizer.js';

/** ElevenLabs text to speech with character timings. */
export const elevenlabs = {
  tts: defineHop('tts', {
    schema: z.strictObject({
      type: z.literal('elevenlabs'),
      voiceId: z.string().min(1),
      modelId: z.string().optional(),
      outputFormat: z
        .string()
        .regex(/^(pcm_\d+|mp3_\d+_\d+)$/)
        .optional(),
      languageCode: z.string().optional(),
      baseURL: url.optional(),
      apiKeyEnv: envName.optional(),
      timeoutMs: timeoutMs.optional(),
    }),
    apiKey: { env: 'ELEVENLABS_API_KEY', required: true },
    create: (hop, { apiKey }) =>
      new ElevenLabsSynthesizer({
        apiKey,
        voiceId: hop.voiceId,
        modelId: hop.modelId,
        outputFormat: hop.outputFormat,
        languageCode: hop.languageCode,
        baseURL: hop.baseURL,
      }),
  }),
} satisfies Vendor;
