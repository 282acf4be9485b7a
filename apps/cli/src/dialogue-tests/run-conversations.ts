import type { AgentRuntime } from '@visemo/server';
import { type FliteSynthesizer, spokenForm } from '@visemo/speech';
import { checkTurn, type FieldMismatch } from './expectations.js';
import type { DialogueSuite, LoadedConversation, LoadedStep } from './load-suites.js';
import { ScriptedConversation, type TurnObservation } from './scripted-conversation.js';

/** `typed`, or the embedded voice that says every line. */
export type TestMode = 'typed' | { voice: string };

export function modeName(mode: TestMode): string {
  return mode === 'typed' ? 'typed' : `spoken ${mode.voice}`;
}

export interface StepResult {
  step: LoadedStep;
  /** What the voice said (spoken mode, when the line was spoken). */
  said?: string;
  /** The line was typed in a spoken run: the suite's reason why this voice cannot say it. */
  typedBecause?: string;
  observation: TurnObservation;
  mismatches: FieldMismatch[];
  /** Failures besides the expectations: a recognition miss, an error event, a line cut in two. */
  problems: string[];
}

export interface ConversationResult {
  conversation: LoadedConversation;
  mode: TestMode;
  status: 'passed' | 'failed' | 'skipped';
  /** For a skipped conversation: the suite's reason. */
  skipReason?: string;
  /** The steps that ran; a run stops at the first failing step (later ones depend on it). */
  steps: StepResult[];
  /** Steps not run after a failure. */
  notRun: number;
  durationMs: number;
}

export interface RunOptions {
  runtime: AgentRuntime;
  /** Needed for spoken modes: the embedded Flite voices. */
  synthesizer?: FliteSynthesizer;
  modes: readonly TestMode[];
  /** Only conversations whose name (or file) contains this, ignoring case. */
  filter?: string;
  onResult?: (result: ConversationResult) => void;
}

/** Runs every conversation of the suites in every mode, one fresh session each. */
export async function runConversations(
  suites: readonly DialogueSuite[],
  options: RunOptions,
): Promise<ConversationResult[]> {
  const wanted = options.filter?.toLowerCase();
  const conversations = suites
    .flatMap((s) => s.conversations)
    .filter((c) => !wanted || `${c.file} ${c.name}`.toLowerCase().includes(wanted));
  const results: ConversationResult[] = [];
  for (const mode of options.modes) {
    for (const conversation of conversations) {
      const result = await runConversation(conversation, mode, options);
      results.push(result);
      options.onResult?.(result);
    }
  }
  return results;
}

async function runConversation(
  conversation: LoadedConversation,
  mode: TestMode,
  options: RunOptions,
): Promise<ConversationResult> {
  const voice = mode === 'typed' ? null : mode.voice;
  const base = { conversation, mode, steps: [] as StepResult[], notRun: 0, durationMs: 0 };
  const skipReason = voice ? conversation.spoken?.skip?.[voice] : undefined;
  if (skipReason !== undefined)
    return { ...base, status: 'skipped', skipReason, notRun: conversation.steps.length };

  const started = performance.now();
  const session = new ScriptedConversation(options.runtime);
  const steps: StepResult[] = [];
  try {
    await session.start();
    for (const step of conversation.steps) {
      const result = await runStep(session, step, voice, options);
      steps.push(result);
      if (result.mismatches.length > 0 || result.problems.length > 0) break;
    }
  } finally {
    session.close();
  }
  const failed = steps.some((s) => s.mismatches.length > 0 || s.problems.length > 0);
  return {
    ...base,
    status: failed ? 'failed' : 'passed',
    steps,
    notRun: conversation.steps.length - steps.length,
    durationMs: performance.now() - started,
  };
}

async function runStep(
  session: ScriptedConversation,
  step: LoadedStep,
  voice: string | null,
  options: RunOptions,
): Promise<StepResult> {
  const problems: string[] = [];
  if (session.ended) problems.push('the agent had already ended the conversation');
  const typedBecause = voice ? step.spoken?.skip?.[voice] : undefined;
  let said: string | undefined;
  let observation: TurnObservation;
  if (voice && typedBecause === undefined) {
    const synthesizer = options.synthesizer;
    if (!synthesizer) throw new Error('spoken tests need the speech synthesizer');
    said = step.spoken?.says ?? spokenForm(step.says);
    const { audio } = await synthesizer.synthesize({ text: said, voice });
    observation = await session.speak(audio);
    if (!observation.understood && !step.spoken?.outOfGrammar)
      problems.push('the recognizer did not understand the line');
    if (observation.extraTurns.length > 0) {
      problems.push(`the line was heard as ${observation.extraTurns.length + 1} turns`);
    }
  } else {
    observation = await session.type(step.says);
  }
  problems.push(...observation.errors.map((e) => `error event ${e}`));
  const mismatches = step.expect ? checkTurn(step.expect, observation) : [];
  return {
    step,
    ...(said !== undefined ? { said } : {}),
    ...(typedBecause !== undefined ? { typedBecause } : {}),
    observation,
    mismatches,
    problems,
  };
}
