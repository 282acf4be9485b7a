import { fileURLToPath } from 'node:url';
import { loadAgent } from '@visemo/dialogue';
import { describe, expect, it } from 'vitest';
import { createEmbeddedRuntime } from '../src/embedded-runtime.js';
import { fixedReplies, leadingSentence } from '../src/prerender.js';
import type { SynthesisCache } from '../src/synthesis-cache.js';

const supportAgent = fileURLToPath(new URL('../../../examples/support-agent', import.meta.url));

describe('prerendered replies', () => {
  it('lists the fixed replies and leaves out those with slots to fill', async () => {
    const { spec } = await loadAgent(supportAgent);
    const texts = fixedReplies(spec);
    expect(texts).toContain(spec.persona.greeting);
    expect(texts.some((t) => t.includes('{'))).toBe(false);
    const withSlot = spec.intents.flatMap((i) => i.responses).find((r) => r.includes('{'));
    expect(withSlot).toBeDefined();
  });

  it("answers a common question's first sentence from the cache on the very first turn", async () => {
    const { runtime, close } = await createEmbeddedRuntime(supportAgent, {
      speechInput: false,
      prerender: true,
    });
    try {
      const cache = runtime.synthesizer as SynthesisCache;
      const before = cache.stats();
      expect(before.entries).toBeGreaterThan(10);
      const dialogue = runtime.createDialogue();
      const reply = dialogue.respond(runtime.nlu.classify('what are your opening hours'), {
        signal: new AbortController().signal,
      });
      let text = '';
      for await (const event of (await reply).events) if (event.type === 'text') text += event.text;
      const first = await leadingSentence(runtime, text);
      await runtime.synthesizer.synthesize({
        text: first ?? '',
        voice: runtime.persona.voice,
        leading: true,
      });
      expect(cache.stats().hits).toBe(before.hits + 1);
    } finally {
      await close();
    }
  });
});
