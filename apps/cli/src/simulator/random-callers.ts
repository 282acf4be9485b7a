import { type AgentSpec, seededRandom } from '@visemo/core';
import { FLITE_VOICES } from '@visemo/speech';
import type { CallerSpec, CallerStep } from './script-schema.js';

export interface RandomCallerOptions {
  callers: number;
  turns: number;
  seed: number;
  /** Chances (0..1) that a turn talks over the previous answer, pauses mid-sentence, is out of domain. */
  bargeInRate: number;
  pauseRate: number;
  outOfDomainRate: number;
  snrDb?: number | undefined;
}

/** Asked when the agent names no `nlu.outOfScope` lines: things no support agent answers. */
const OUT_OF_DOMAIN = [
  'what is the weather like tomorrow',
  'can you sing me a song',
  'who won the football game last night',
  'what is the capital of australia',
  'tell me a joke about penguins',
];

/**
 * Callers made up from the agent's own domain: each turn an example of a random intent (a line
 * of three words or more, which a person would say), or an out-of-domain question; voices in
 * turn, barge-ins and pauses by chance. The same seed makes the same callers.
 */
export function randomCallers(spec: AgentSpec, options: RandomCallerOptions): CallerSpec[] {
  const random = seededRandom(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const lines = spec.intents.flatMap((intent) =>
    intent.examples.filter((e) => e.split(/\s+/).length >= 3).map((e) => ({ says: e, intent: intent.name })),
  );
  const outOfDomain = spec.nlu.outOfScope?.length ? spec.nlu.outOfScope : OUT_OF_DOMAIN;
  return Array.from({ length: options.callers }, (_, c) => {
    const steps: CallerStep[] = [];
    for (let t = 0; t < options.turns; t++) {
      const step: CallerStep =
        random() < options.outOfDomainRate || lines.length === 0
          ? { says: pick(outOfDomain), expect: { intent: null } }
          : (({ says, intent }) => ({ says, expect: { intent } }))(pick(lines));
      if (t > 0 && random() < options.bargeInRate) step.bargeInMs = 400 + Math.round(random() * 800);
      const words = step.says.split(/\s+/).length;
      if (words >= 4 && random() < options.pauseRate)
        step.pause = {
          afterWord: 1 + Math.floor(random() * (words - 2)),
          ms: 300 + Math.round(random() * 600),
        };
      steps.push(step);
    }
    return {
      name: `caller ${c + 1}`,
      voice: FLITE_VOICES[c % FLITE_VOICES.length],
      ...(options.snrDb === undefined ? {} : { snrDb: options.snrDb }),
      steps,
    };
  });
}
