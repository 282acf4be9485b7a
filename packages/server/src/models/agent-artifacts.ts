import type { AgentSpec, IntentClassifier, ModelKind } from '@visemo/core';
import { createNlu, type NluModel } from '@visemo/nlu';
import type { RegistryJson } from '@visemo/storage';
import { agentRecognizerOptions } from '../embedded-runtime.js';
import type { AgentRuntime } from '../runtime.js';
import { codeVersion, contentHash } from './content-hash.js';

/** A model artifact as the registry records it. */
export interface ArtifactDescription {
  kind: ModelKind;
  name: string;
  contentHash: string;
  artifact: Record<string, RegistryJson>;
  metadata: Record<string, RegistryJson>;
}

/** What an NLU model is trained from: everything `createNlu` reads of the agent. */
export interface NluTraining {
  intents: { name: string; examples: string[] }[];
  entities: AgentSpec['entities'];
  nlu: AgentSpec['nlu'];
}

/** An NLU model that can say what it is made of (`createNlu`'s `NluModel`). */
export type HashableNlu = IntentClassifier & { modelBytes?(): Uint8Array };

export function nluTraining(spec: AgentSpec): NluTraining {
  return {
    intents: spec.intents.map((intent) => ({ name: intent.name, examples: [...intent.examples] })),
    entities: spec.entities,
    nlu: spec.nlu,
  };
}

/**
 * The NLU model of `training` for an agent: what a server runs when the version is promoted, so
 * whoever trains a version to register it must train it here to get the hash the server checks.
 */
export function nluFromTraining(spec: AgentSpec, training: NluTraining): NluModel {
  // createNlu reads of the intents only their names and examples.
  const intents = training.intents as unknown as AgentSpec['intents'];
  return createNlu({ ...spec, intents, entities: training.entities, nlu: training.nlu });
}

/**
 * The NLU artifact, content-addressed: the hash of its training data, the code that trains it
 * (`@visemo/nlu`'s version and source digest) and the trained model's bytes.
 */
export function nluArtifact(training: NluTraining, model: HashableNlu): ArtifactDescription {
  const code = codeVersion('@visemo/nlu');
  const bytes = model.modelBytes?.();
  const examples = training.intents.reduce((sum, intent) => sum + intent.examples.length, 0);
  return {
    kind: 'nlu',
    name: 'intent-classifier',
    contentHash: contentHash({ kind: 'nlu', training, code }, bytes),
    artifact: { training: training as unknown as RegistryJson },
    metadata: {
      code,
      intents: training.intents.length,
      examples,
      ...(bytes ? { modelBytes: bytes.byteLength } : {}),
    },
  };
}

/**
 * Every model artifact the running agent is made of: its NLU model, its speech grammar (with
 * speech input), the voice it speaks with, and the language model and cloud speech providers
 * when it has them (named as the providers name themselves, e.g. `openai-compatible:llama3.2`).
 */
export function agentArtifacts(spec: AgentSpec, runtime: AgentRuntime): ArtifactDescription[] {
  const speechCode = codeVersion('@visemo/speech');
  const out: ArtifactDescription[] = [nluArtifact(nluTraining(spec), runtime.nlu as HashableNlu)];
  if (runtime.recognizer) {
    const { grammar, language, generalize } = agentRecognizerOptions(spec);
    const made = { grammar, language, generalize: generalize ?? true };
    out.push({
      kind: 'grammar',
      name: 'domain-grammar',
      contentHash: contentHash({ kind: 'grammar', made, code: speechCode }),
      artifact: {
        phrases: typeof grammar === 'string' ? null : grammar.phrases.length,
        language: language ?? null,
      },
      metadata: { code: speechCode },
    });
  }
  const voice = { synthesizer: runtime.synthesizer.name, voice: runtime.persona.voice };
  out.push({
    kind: 'voice',
    name: `${voice.synthesizer}:${voice.voice}`,
    contentHash: contentHash({ kind: 'voice', voice, code: speechCode }),
    artifact: voice,
    metadata: { code: speechCode },
  });
  const providers: [ModelKind, string | undefined][] = [
    ['llm', runtime.llm?.name],
    ['asr', runtime.recognizer && !isEmbedded(runtime.recognizer.name) ? runtime.recognizer.name : undefined],
    ['tts', isEmbedded(runtime.synthesizer.name) ? undefined : runtime.synthesizer.name],
  ];
  for (const [kind, name] of providers) {
    if (!name) continue;
    out.push({
      kind,
      name,
      contentHash: contentHash({ kind, name }),
      artifact: { provider: name },
      metadata: {},
    });
  }
  return out;
}

/** The embedded providers are versioned through the grammar and the voice. */
function isEmbedded(name: string): boolean {
  return name === 'flite' || name === 'soundswallower-grammar';
}
