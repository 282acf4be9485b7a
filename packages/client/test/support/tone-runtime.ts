import type { AgentRuntime } from '@visemo/server';

/**
 * The smallest agent the server can run, for SDK tests that need a real server but no speech
 * stack: keyword intents, canned replies, and a "synthesizer" that renders each sentence as a tone
 * of 60 ms per character with one viseme cue per word.
 */
export function createToneRuntime(): AgentRuntime {
  const replies: Record<string, string> = {
    order_status: 'Your order left our warehouse today. It should arrive on Friday.',
    greet: 'Hello again.',
  };
  return {
    persona: { name: 'Ava', language: 'en-US', voice: 'tone' },
    nlu: {
      classify(text) {
        const intent = /order/i.test(text) ? 'order_status' : /hello|hi/i.test(text) ? 'greet' : null;
        const confidence = intent ? 0.9 : 0.2;
        return { text, intent, confidence, ranking: intent ? [{ intent, confidence }] : [], entities: [] };
      },
    },
    recognizer: null,
    synthesizer: {
      name: 'tone',
      voices: ['tone'],
      async synthesize({ text }) {
        const sampleRate = 16_000;
        const durationMs = text.length * 60;
        const samples = new Int16Array((sampleRate * durationMs) / 1000);
        for (let i = 0; i < samples.length; i++)
          samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / sampleRate));
        const words = text.split(/\s+/);
        const step = durationMs / words.length;
        return {
          audio: { samples, sampleRate },
          visemes: words.map((_, i) => ({
            viseme: i % 2 ? 'aa' : 'PP',
            startMs: i * step,
            endMs: (i + 1) * step,
          })),
          words: words.map((word, i) => ({ word, startMs: i * step, endMs: (i + 1) * step })),
        };
      },
    },
    timeouts: { asrMs: 1000, dialogueMs: 1000, ttsMs: 1000 },
    createVad() {
      throw new Error('the tone runtime takes no speech input');
    },
    createDialogue() {
      const say = (text: string, answeredBy: 'greeting' | 'intent' | 'fallback') => ({
        answeredBy,
        events: (async function* () {
          yield { type: 'expression' as const, expression: 'happy' as const, intensity: 0.6 };
          yield { type: 'text' as const, text };
        })(),
      });
      return {
        greeting: () => say("Hi, I'm Ava. How can I help?", 'greeting'),
        respond: (nlu) =>
          nlu.intent
            ? say(replies[nlu.intent] ?? '', 'intent')
            : say('Sorry, could you say that again?', 'fallback'),
      };
    },
    async *chunkSentences(deltas) {
      let buffer = '';
      for await (const delta of deltas) {
        buffer += delta;
        for (let m = /[.!?](\s+|$)/.exec(buffer); m; m = /[.!?](\s+|$)/.exec(buffer)) {
          const end = m.index + m[0].length;
          yield buffer.slice(0, end).trim();
          buffer = buffer.slice(end);
        }
      }
      if (buffer.trim()) yield buffer.trim();
    },
  };
}
