import { FliteSynthesizer } from '@visemo/speech';
import { z } from 'zod';
import { defineHop, timeoutMs, type Vendor } from '../vendor.js';

/** Flite, compiled to WebAssembly and run in this process: a voice that is always there. */
export const flite = {
  tts: defineHop('tts', {
    schema: z.strictObject({
      type: z.literal('flite'),
      voice: z.enum(['slt', 'rms', 'awb', 'kal']).optional(),
      speed: z.number().min(0.3).max(3).optional(),
      timeoutMs: timeoutMs.optional(),
    }),
    local: true,
    create: (hop, { onClose }) => {
      const synthesizer = new FliteSynthesizer({ defaultVoice: hop.voice, speed: hop.speed });
      onClose(() => synthesizer.close());
      return synthesizer;
    },
  }),
} satisfies Vendor;
