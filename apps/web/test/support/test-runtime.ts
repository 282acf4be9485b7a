import { resolve } from 'node:path';
import type {
  IntentClassifier,
  RecognitionStream,
  SpeechRecognizer,
  VadEvent,
  VoiceActivityDetector,
} from '@visemo/core';
import { AgentDialogue, chunkSentences, KnowledgeIndex, loadAgent } from '@visemo/dialogue';
import type { AgentRuntime } from '@visemo/server';
import { FliteSynthesizer } from '@visemo/speech';

export const SUPPORT_AGENT_DIR = resolve(import.meta.dirname, '../../../../examples/support-agent');

/**
 * The support agent with the real dialogue and real Flite speech, but a word-overlap intent
 * matcher, an energy VAD and a recognizer that "hears" a phrase given by the test. For the browser
 * tests until the server's embedded runtime (trained NLU, grammar ASR) can be started here.
 */
export async function createTestRuntime(options: { heard: string }): Promise<AgentRuntime> {
  const agent = await loadAgent(SUPPORT_AGENT_DIR);
  const knowledge = KnowledgeIndex.fromAgent(agent);
  const synthesizer = new FliteSynthesizer({ defaultVoice: 'slt' });
  await synthesizer.synthesize({ text: 'Ready.' });
  return {
    persona: { name: agent.spec.persona.name, language: agent.spec.persona.language, voice: 'slt' },
    nlu: overlapClassifier(agent.spec.intents),
    recognizer: phraseRecognizer(options.heard),
    synthesizer,
    timeouts: { asrMs: 5000, dialogueMs: 5000, ttsMs: 8000 },
    createVad: () => new EnergyVad(),
    createDialogue: () => new AgentDialogue(agent, { knowledge }),
    chunkSentences: (deltas) => chunkSentences(deltas),
  };
}

const words = (text: string) => text.toLowerCase().match(/[a-z0-9']+/g) ?? [];

/** Intent by the best word overlap (Dice) with any example. */
function overlapClassifier(
  intents: readonly { name: string; examples: readonly string[] }[],
): IntentClassifier {
  return {
    classify(text) {
      const said = new Set(words(text));
      const ranking = intents
        .map((intent) => {
          let best = 0;
          for (const example of intent.examples) {
            const ex = new Set(words(example));
            const shared = [...ex].filter((w) => said.has(w)).length;
            best = Math.max(best, (2 * shared) / (ex.size + said.size || 1));
          }
          return { intent: intent.name, confidence: best };
        })
        .sort((a, b) => b.confidence - a.confidence);
      const top = ranking[0];
      const intent = top && top.confidence >= 0.5 ? top.intent : null;
      return { text, intent, confidence: top?.confidence ?? 0, ranking: ranking.slice(0, 3), entities: [] };
    },
  };
}

/** Reports `phrase` for any utterance with at least 300 ms of audio; partials grow word by word. */
function phraseRecognizer(phrase: string): SpeechRecognizer {
  return {
    name: 'test-phrase',
    sampleRate: 16_000,
    start(): RecognitionStream {
      let samples = 0;
      const all = phrase.split(' ');
      return {
        write: (pcm) => {
          samples += pcm.length;
        },
        partial: () => all.slice(0, Math.min(all.length, Math.floor(samples / 8000))).join(' '),
        finish: async () =>
          samples >= 4800
            ? { text: phrase, confidence: 0.9, understood: true }
            : { text: '', confidence: 0, understood: false },
        cancel: () => undefined,
      };
    },
  };
}

/** Speech = 20 ms frames above -36 dBFS for 60 ms; the end = 600 ms below it. */
class EnergyVad implements VoiceActivityDetector {
  readonly name = 'test-energy';
  speaking = false;
  private fed = 0;
  private loud = 0;
  private quiet = 0;
  private pending = new Int16Array(0);

  push(samples: Int16Array): VadEvent[] {
    const events: VadEvent[] = [];
    const joined = new Int16Array(this.pending.length + samples.length);
    joined.set(this.pending);
    joined.set(samples, this.pending.length);
    let at = 0;
    for (; at + 320 <= joined.length; at += 320) {
      let sum = 0;
      for (let i = at; i < at + 320; i++) sum += (joined[i] as number) ** 2;
      const loud = Math.sqrt(sum / 320) > 520;
      this.fed += 320;
      const ms = (this.fed / 16_000) * 1000;
      if (loud) {
        this.loud++;
        this.quiet = 0;
      } else {
        this.quiet++;
        this.loud = 0;
      }
      if (!this.speaking && this.loud >= 3) {
        this.speaking = true;
        events.push({ type: 'speech-start', atMs: ms - 60 });
      } else if (this.speaking && this.quiet >= 30) {
        this.speaking = false;
        events.push({ type: 'speech-end', atMs: ms - 600 });
      }
    }
    this.pending = joined.slice(at);
    return events;
  }

  reset(): void {
    this.speaking = false;
    this.loud = 0;
    this.quiet = 0;
  }
}
