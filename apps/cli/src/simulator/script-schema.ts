import { FLITE_VOICES } from '@visemo/speech';
import { z } from 'zod';
import { ExpectationSchema } from '../dialogue-tests/suite-schema.js';

/*
 * The YAML format of a simulation script (docs/simulate.md): callers, each a voice, an optional
 * noisy room and a list of steps. A step is a dialogue-test step (docs/dialogue-tests.md) with
 * what a live caller does besides speaking: talk over the agent, stop mid-sentence.
 */

const Step = z.strictObject({
  says: z.string().trim().min(1),
  expect: z.optional(ExpectationSchema),
  /** Start this line so many ms after the agent's previous answer started playing, over it. */
  bargeInMs: z.optional(z.number().int().min(0).max(30_000)),
  /** Stop after this many words for `ms`, then say the rest. */
  pause: z.optional(
    z.strictObject({ afterWord: z.number().int().min(1), ms: z.number().int().min(50).max(10_000) }),
  ),
});

const Caller = z.strictObject({
  name: z.string().trim().min(1),
  voice: z.optional(z.enum(FLITE_VOICES)),
  /** Noise mixed in at this signal-to-noise ratio, dB (white noise, also between the lines). */
  snrDb: z.optional(z.number().min(-10).max(60)),
  steps: z.array(Step).min(1),
});

export const SimulationScriptSchema = z.strictObject({ callers: z.array(Caller).min(1) });

export type CallerSpec = z.output<typeof Caller>;
export type CallerStep = z.output<typeof Step>;
