import type { Agent } from '@visemo/core';
import { AgentDialogue, chunkSentences, KnowledgeIndex, loadAgent } from '@visemo/dialogue';
import { createNlu, domainPhrases } from '@visemo/nlu';
import {
  createDefaultVad,
  FLITE_VOICES,
  FliteSynthesizer,
  GrammarRecognizer,
  type GrammarSlot,
} from '@visemo/speech';
import { type AgentRuntime, DEFAULT_TIMEOUTS, type HopTimeouts } from './runtime.js';

export interface EmbeddedRuntimeOptions {
  /** Build the speech recognizer (default true); text-only tools skip its start-up cost. */
  speechInput?: boolean;
  timeouts?: Partial<HopTimeouts>;
  /** Called with a line for each start-up step, for a progress display. */
  onProgress?: (step: string) => void;
}

export interface EmbeddedRuntime {
  runtime: AgentRuntime;
  agent: Agent;
  /** Things a person should fix in the agent but that do not stop it, e.g. phrases the recognizer cannot say. */
  warnings: string[];
}

/**
 * The agent on embedded providers only: Flite speech, SoundSwallower grammar recognition with a
 * grammar compiled from the agent's own domain, the trained intent classifier, and the agent's
 * dialogue with its knowledge pages. No network, no GPU, no downloads.
 */
export async function createEmbeddedRuntime(
  agentDir: string,
  options: EmbeddedRuntimeOptions = {},
): Promise<EmbeddedRuntime> {
  const progress = options.onProgress ?? (() => {});
  progress(`loading the agent in ${agentDir}`);
  const agent = await loadAgent(agentDir);
  const { spec } = agent;

  progress(`training intents (${spec.intents.length} intents)`);
  const nlu = createNlu(spec);
  const knowledge = KnowledgeIndex.fromAgent(agent);
  const warnings: string[] = [];

  let recognizer: GrammarRecognizer | null = null;
  if (options.speechInput ?? true) {
    progress('compiling the speech grammar');
    const domain = domainPhrases(spec);
    const slots: GrammarSlot[] = domain.slots.map((slot) => ({
      name: slot.name,
      kind: slot.kind,
      min: slot.min ?? (slot.kind === 'digits' ? 1 : 0),
      max: slot.max ?? (slot.kind === 'digits' ? 12 : 100),
    }));
    recognizer = await GrammarRecognizer.create({
      grammar: { phrases: domain.phrases, slots },
      language: spec.persona.language,
    });
    for (const dropped of recognizer.dropped) {
      warnings.push(
        `the recognizer cannot say ${dropped.unknownWords.map((w) => `"${w}"`).join(', ') || 'a part of'} in "${dropped.phrase}"; that phrase is not recognised by voice`,
      );
    }
  }

  progress('starting the speech synthesizer');
  const voice = FLITE_VOICES.find((v) => v === spec.persona.voice);
  if (!voice) {
    warnings.push(
      `persona.voice "${spec.persona.voice}" is not an embedded voice (${FLITE_VOICES.join(', ')}); using slt`,
    );
  }
  const synthesizer = new FliteSynthesizer({ defaultVoice: voice ?? 'slt' });
  // The first call compiles the WebAssembly module; do it now rather than in the first turn.
  await synthesizer.synthesize({ text: 'Ready.' });

  const runtime: AgentRuntime = {
    persona: { name: spec.persona.name, language: spec.persona.language, voice: voice ?? 'slt' },
    nlu,
    recognizer,
    synthesizer,
    timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
    createVad: () => createDefaultVad(),
    createDialogue: () => new AgentDialogue(agent, { knowledge }),
    chunkSentences: (deltas) => chunkSentences(deltas),
  };
  return { runtime, agent, warnings };
}
