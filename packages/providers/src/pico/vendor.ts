import { PICO_VOICES, PicoSynthesizer } from '@visemo/speech';
import { z } from 'zod';
import { sharedForcedAligner } from '../timing/timing.js';
import { defineHop, timeoutMs, type Vendor } from '../vendor.js';

/**
 * SVOX Pico, compiled to WebAssembly and run in this process: six languages, a smoother voice
 * than Flite's. Its lingware comes from Debian's `libttspico-data` (or `lingwareDir`); lip-sync
 * from the process's shared forced aligner (docs/voices.md).
 */
export const pico = {
  tts: defineHop('tts', {
    schema: z.strictObject({
      type: z.literal('pico'),
      voice: z.enum(PICO_VOICES).optional(),
      /** Folder with the lingware files; default `VISEMO_PICO_LINGWARE` or /usr/share/pico/lang. */
      lingwareDir: z.string().min(1).optional(),
      timeoutMs: timeoutMs.optional(),
    }),
    local: true,
    create: (hop, { onClose }) => {
      const synthesizer = new PicoSynthesizer({
        defaultVoice: hop.voice,
        lingwareDir: hop.lingwareDir,
        aligner: sharedForcedAligner,
      });
      onClose(() => synthesizer.close());
      return synthesizer;
    },
  }),
} satisfies Vendor;
