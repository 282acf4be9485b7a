import type { AgentRuntime } from '../../src/runtime.js';
import { DEFAULT_TIMEOUTS } from '../../src/runtime.js';

/**
 * A runtime that opens sessions and nothing more: for tests of what happens before a session's
 * first turn (admission, headers, token routes), where loading a real agent would only cost time.
 */
export function stubRuntime(): AgentRuntime {
  const noTurns = () => {
    throw new Error('the stub runtime holds no turns');
  };
  return {
    persona: { name: 'Stub', language: 'en-US', voice: 'slt' },
    nlu: { classify: noTurns },
    recognizer: null,
    synthesizer: { name: 'stub', voices: ['slt'], synthesize: noTurns },
    timeouts: DEFAULT_TIMEOUTS,
    createVad: noTurns,
    createDialogue: () => ({ respond: noTurns }),
    chunkSentences: noTurns,
  } as unknown as AgentRuntime;
}
