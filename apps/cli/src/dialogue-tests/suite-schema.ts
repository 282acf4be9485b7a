import { z } from 'zod';

/*
 * The YAML format of a dialogue test file (docs/dialogue-tests.md): conversations, each a list of
 * steps; a step is what the person says and what the agent should make of it.
 */

const name = z.string().trim().min(1);

/** `"text"`, or `/pattern/flags` for a regular expression. */
const textPattern = z.string().min(1);

const ReplyExpectation = z.union([
  textPattern,
  z.strictObject({
    contains: z.optional(z.union([textPattern, z.array(textPattern).min(1)])),
    matches: z.optional(textPattern),
    /** The whole reply, word for word. */
    is: z.optional(z.string()),
  }),
]);

const FlowExpectation = z.union([
  z.null(),
  z.strictObject({
    name: z.optional(name),
    status: z.optional(z.enum(['asking', 'completed', 'failed', 'interrupted'])),
    awaiting: z.optional(name),
  }),
]);

export const ExpectationSchema = z.strictObject({
  /** The intent the NLU found; null: none (out of scope). */
  intent: z.optional(z.nullable(name)),
  /** Entities the NLU found, by entity name; others may be found too. */
  entities: z.optional(z.record(name, z.string())),
  reply: z.optional(ReplyExpectation),
  answeredBy: z.optional(z.enum(['intent', 'flow', 'knowledge', 'fallback', 'llm'])),
  /** The knowledge page the answer came from, e.g. `returns.md`. */
  source: z.optional(name),
  /** The flow this turn worked on and where it stands after it; null: no flow was involved. */
  flow: z.optional(FlowExpectation),
  /** The conversation's slots after the turn; others may be filled too. */
  slots: z.optional(z.record(name, z.string())),
  handoff: z.optional(z.boolean()),
  ended: z.optional(z.boolean()),
});

/** Voice → why that voice is left out, e.g. `kal: the recognizer hears "order" as "older"`. */
const VoiceSkips = z.record(name, z.string().trim().min(10, 'give the reason (10 characters or more)'));

const Step = z.strictObject({
  says: z.string().trim().min(1),
  expect: z.optional(ExpectationSchema),
  spoken: z.optional(
    z.strictObject({
      /** What the voices say instead of `says` (by default `says`, long numbers digit by digit). */
      says: z.optional(z.string().trim().min(1)),
      /**
       * The line is outside what the agent's grammar takes ("hmm let me think"): the recognizer
       * rejecting it is what should happen, not a miss. The expectations still apply.
       */
      outOfGrammar: z.optional(z.boolean()),
      /** Voices that cannot say this line recognisably: for them it is typed, and the report says why. */
      skip: z.optional(VoiceSkips),
    }),
  ),
});

const Conversation = z.strictObject({
  name,
  steps: z.array(Step).min(1),
  spoken: z.optional(z.strictObject({ skip: z.optional(VoiceSkips) })),
});

export const DialogueSuiteSchema = z.strictObject({
  conversations: z.array(Conversation).min(1),
});

export type DialogueSuiteSpec = z.output<typeof DialogueSuiteSchema>;
export type ConversationSpec = DialogueSuiteSpec['conversations'][number];
export type StepSpec = ConversationSpec['steps'][number];
export type Expectation = z.output<typeof ExpectationSchema>;
export type ReplyExpectation = z.output<typeof ReplyExpectation>;
