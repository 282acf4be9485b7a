import type { AgentSpec } from '@visemo/core';
import { FliteSynthesizer } from '@visemo/speech';
import type { Storage } from '@visemo/storage';
import { nluArtifact, nluFromTraining, nluTraining } from '../../src/models/agent-artifacts.js';
import { ModelSelection } from '../../src/models/model-selection.js';
import type { AgentRuntime } from '../../src/runtime.js';
import { TestCaller, withLeadingSilence } from './test-caller.js';

/** What `recordConversation` says to the support agent, in order after its greeting. */
export const RECORDED_TURNS = ['where is my order', '482913', 'what are your opening hours'] as const;

/**
 * A whole conversation with the support agent over the WebSocket, as a page has it: the greeting,
 * consent to transcripts and recordings, two typed turns into the order flow, then a spoken
 * question (Flite's rms voice), and the end. Answers the session's id.
 */
export async function recordConversation(wsUrl: string): Promise<string> {
  const caller = await TestCaller.start(wsUrl, { greet: true });
  const sessionId = caller.of('session.started')[0]?.sessionId as string;
  const mark = caller.mark();
  caller.send({ type: 'consent.set', transcripts: true, audio: true, memory: false });
  await caller.waitFor('consent', () => true, { after: mark });
  const [first, second, spoken] = RECORDED_TURNS;
  for (const text of [first, second]) {
    const before = caller.mark();
    caller.send({ type: 'text', text });
    await caller.waitFor('turn.end', () => true, { after: before });
  }
  const { audio } = await new FliteSynthesizer().synthesize({ text: spoken, voice: 'rms' });
  const before = caller.mark();
  await caller.speak(withLeadingSilence(audio.samples));
  await caller.waitFor('turn.end', () => true, { after: before });
  caller.send({ type: 'session.end' });
  await caller.waitFor('session.ended');
  caller.close();
  return sessionId;
}

/**
 * The support agent's model registry on `storage`, with one more NLU version registered and not
 * promoted: one trained without the order intent, so the order questions find another. Answers
 * the selection and that version's number.
 */
export async function registryWithRetrainedNlu(
  storage: Storage,
  spec: AgentSpec,
  runtime: AgentRuntime,
): Promise<{ models: ModelSelection; retrained: number }> {
  const models = await ModelSelection.start({
    registry: storage.models,
    agent: 'support-agent',
    spec,
    runtime,
    pollMs: 0,
  });
  const training = nluTraining(spec);
  training.intents = training.intents.filter((i) => i.name !== 'order_status');
  const { version } = await storage.models.register({
    agent: 'support-agent',
    ...nluArtifact(training, nluFromTraining(spec, training)),
    actor: 'ci:retrain',
  });
  return { models, retrained: version.version };
}
