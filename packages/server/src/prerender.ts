import type { AgentSpec } from '@visemo/core';
import { readExpressionTags } from '@visemo/dialogue';
import type { AgentRuntime } from './runtime.js';

/**
 * The texts an agent opens its answers with whatever the person said: the greeting, intent
 * responses without `{slot}` placeholders, fallbacks, and flow prompts and re-prompts.
 */
export function fixedReplies(spec: AgentSpec): string[] {
  const texts = [
    spec.persona.greeting,
    ...spec.persona.fallback,
    ...spec.intents.flatMap((intent) => intent.responses),
    ...spec.flows.flatMap((flow) => flow.slots.flatMap((slot) => [slot.prompt, ...slot.reprompts])),
  ];
  return [...new Set(texts.filter((text) => !text.includes('{')))];
}

/**
 * Synthesizes the leading sentence of each fixed reply once, one at a time, so that a cache in
 * front of the synthesizer holds them before the first person asks: the first answer to a common
 * question then starts as fast as the hundredth. Cut into sentences the way the turn pipeline
 * cuts them, so the cached sentence is the one a turn will ask for. Returns how many were made.
 */
export async function prerenderLeadingSentences(
  runtime: AgentRuntime,
  texts: readonly string[],
  signal?: AbortSignal,
): Promise<number> {
  let made = 0;
  for (const text of texts) {
    if (signal?.aborted) break;
    const first = await leadingSentence(runtime, text);
    if (!first) continue;
    await runtime.synthesizer.synthesize({ text: first, voice: runtime.persona.voice, leading: true });
    made++;
  }
  return made;
}

/** The first piece of `text` that the turn pipeline would synthesize, or null if none. */
export async function leadingSentence(runtime: AgentRuntime, text: string): Promise<string | null> {
  for await (const chunk of runtime.chunkSentences(single(text))) {
    // Said without its expression tags, as the turn pipeline says it.
    const sentence = readExpressionTags(chunk).text;
    if (sentence) return sentence;
  }
  return null;
}

async function* single(text: string): AsyncGenerator<string> {
  yield text;
}
