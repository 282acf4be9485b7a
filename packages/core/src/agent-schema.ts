import { z } from 'zod';
import { CHARACTER_NAMES } from './avatar-look.js';
import { EXPRESSIONS } from './expressions.js';
import { AgentPrivacySchema } from './retention-policy.js';

/** Expressions the dialogue can ask the avatar to show. */
export const Expression = z.enum(EXPRESSIONS);
export type Expression = z.infer<typeof Expression>;

const name = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]*$/,
    'use lower_snake_case: letters, digits and underscores, starting with a letter',
  );
const nonEmptyText = z.string().trim().min(1, 'must not be empty');

const colour = (part: string) =>
  z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, `${part} must be a colour like #a0522d`)
    .optional();

/** The avatar's look: a built-in character and its colours, or a model file next to agent.yaml. */
export const AvatarLookSchema = z.strictObject({
  character: z.enum(CHARACTER_NAMES).default('maya'),
  skin: colour('skin'),
  hair: colour('hair'),
  eyes: colour('eyes'),
  clothes: colour('clothes'),
  /** A VRM or GLB file in the agent's folder, shown where the page draws in 3D. */
  model: z
    .string()
    .regex(/^[^/\\][^\\]*\.(vrm|glb)$/i, 'must be a .vrm or .glb file inside the agent folder')
    .refine((path) => !path.split('/').includes('..'), 'must be a file inside the agent folder')
    .optional(),
});

export const PersonaSchema = z.strictObject({
  name: nonEmptyText,
  greeting: nonEmptyText,
  /**
   * Said instead of `greeting` to a visitor the agent remembers (consent to memory), when every
   * `{slot}` placeholder has a remembered value, e.g. "Welcome back! Still about order {order_number}?".
   */
  returningGreeting: nonEmptyText.optional(),
  /**
   * Embedded Flite voices: slt, rms, awb, kal. A `providers.tts` hop names its own voice instead
   * (`type: pico` with `voice: en-GB`, docs/voices.md).
   */
  voice: z.string().default('slt'),
  language: z.string().default('en-US'),
  expression: Expression.default('happy'),
  /** How the avatar looks (default: the built-in character `maya`). */
  look: AvatarLookSchema.prefault({}),
  /** Said when nothing matched; asks the person to rephrase. */
  fallback: z.array(nonEmptyText).min(1).default(["Sorry, I didn't get that. Could you say it another way?"]),
});

export const EntityValueSchema = z.strictObject({
  value: nonEmptyText,
  synonyms: z.array(nonEmptyText).default([]),
});

export const EntitySchema = z
  .strictObject({
    name,
    /** A closed list of values with synonyms ("Germany": ["deutschland"]). */
    values: z.array(EntityValueSchema).optional(),
    /**
     * Built-in kinds: `number` (digits or spoken number words) and `digits` (a code spoken digit by
     * digit, e.g. an order number), with `length` as the allowed count of digits.
     */
    kind: z.enum(['number', 'digits']).optional(),
    length: z.strictObject({ min: z.number().int().min(1), max: z.number().int().min(1) }).optional(),
  })
  .refine((e) => (e.values ? 1 : 0) + (e.kind ? 1 : 0) === 1, {
    message: 'an entity needs exactly one of `values` or `kind`',
  });

export const IntentSchema = z.strictObject({
  name,
  examples: z.array(nonEmptyText).min(2, 'give at least two example utterances'),
  /** One is chosen per reply, in turn. `{slot}` placeholders are filled from the conversation's slots. */
  responses: z.array(nonEmptyText).default([]),
  /** Starts this flow instead of replying directly. */
  flow: name.optional(),
  expression: Expression.optional(),
  /** Emits a `handoff` event: a human takes over. */
  handoff: z.boolean().default(false),
  /** Ends the conversation after the reply. */
  end: z.boolean().default(false),
});

export const SlotSchema = z.strictObject({
  name,
  entity: name,
  prompt: nonEmptyText,
  /** Said when the answer held no value for this slot; the last one repeats. */
  reprompts: z.array(nonEmptyText).min(1),
  /** Asking stops after this many misses and the flow gives up with `onFail`. */
  maxAttempts: z.number().int().min(1).max(10).default(3),
});

export const LookupSchema = z.strictObject({
  /** YAML or JSON file in the agent folder: a list of records. */
  file: nonEmptyText,
  /** The record field matched against the slot of the same name. */
  key: name,
});

export const FlowSchema = z.strictObject({
  name,
  slots: z.array(SlotSchema).min(1),
  /** Template said when all slots are filled; `{slot}` and, with a lookup, `{record.field}`. */
  response: nonEmptyText,
  /** With a lookup: said when no record matches the key. */
  notFound: nonEmptyText.optional(),
  lookup: LookupSchema.optional(),
  onFail: nonEmptyText.default("I'm sorry, I couldn't get that. Let me connect you with a colleague."),
  handoffOnFail: z.boolean().default(true),
  expression: Expression.optional(),
});

export const NluConfigSchema = z.strictObject({
  /** Below this confidence an utterance counts as out of scope. */
  threshold: z.number().min(0).max(1).default(0.5),
  /**
   * A pretrained sentence encoder whose vectors join the intent features (docs/nlu.md): better on
   * paraphrases, for about 1 s and 130 MB more at start-up (3–4 s more the first time) and
   * 10–40 ms on the utterances the sparse model alone is unsure of.
   */
  encoder: z.enum(['universal-sentence-encoder-lite']).optional(),
  /**
   * Things people say that none of the intents answers, trained as negatives of every intent;
   * `visemo curate train` adds the ones a reviewer labelled `out_of_scope` (docs/curation.md).
   */
  outOfScope: z.array(nonEmptyText).optional(),
});

/** How long a silence ends a spoken turn. */
export const EndOfTurnSchema = z.strictObject({
  /**
   * Once what the recognizer has heard is a whole sentence of the domain (decision 0025), in ms:
   * the person has most likely finished, and every 100 ms of waiting is heard as slowness.
   */
  afterPhraseMs: z.number().int().min(100).max(3000).default(250),
  /** Any other speech, in ms (the voice activity detector's hangover): it bridges pauses between phrases and inside a number. */
  otherwiseMs: z.number().int().min(100).max(3000).default(400),
  /**
   * After the beginning of a longer sentence of the domain ("i want to return" of "i want to
   * return my order") when the voice did not fall, in ms: a person pausing mid-sentence is not cut off.
   */
  unfinishedMs: z.number().int().min(100).max(5000).default(900),
});

export const SpeechConfigSchema = z.strictObject({
  /**
   * The embedded recognizer also accepts pieces of the domain's phrases joined where they share a
   * word (decision 0024): about half of the ways people rephrase a question are understood instead
   * of a twentieth, for about twice the decoding CPU per person talking. False: the phrases word
   * for word only, for the most concurrent speakers per core.
   */
  paraphrases: z.boolean().default(true),
  /**
   * Runs the microphone audio through RNNoise before the VAD and the recognizer, for rooms with
   * steady noise (fans, hum): at 10 dB SNR of pink noise the embedded recognizer goes from 20 %
   * to 100 % of real recordings. It does not help against other voices, costs accuracy in mild
   * white noise, adds 12 ms and some CPU (docs/voices.md, "Noisy rooms"): off by default.
   */
  noiseSuppression: z.boolean().default(false),
  /**
   * `echo-aware`: for people on loudspeakers without headphones. The server takes its own voice,
   * as it comes back through the microphone, out of the audio and never lets it barge in; speech
   * over the agent turns its voice down at once and stops it unless it was a backchannel ("yeah",
   * "okay"). `vad`: any speech the VAD hears stops the agent in the same frame (docs/barge-in.md).
   */
  bargeIn: z.enum(['vad', 'echo-aware']).default('vad'),
  /**
   * `detect`: several people talk to the agent on one microphone (a kiosk); each utterance is given
   * to a speaker by its voice print, `transcript.final` says who (`speaker: { id: 'v1', name:
   * 'Speaker 1' }`), and the dialogue knows when someone else speaks (docs/speakers.md). About 25 ms
   * of CPU per second of speech. `off`: no labels.
   */
  speakers: z.enum(['off', 'detect']).default('off'),
  endOfTurn: EndOfTurnSchema.prefault({}),
});

export const KnowledgeConfigSchema = z.strictObject({
  /** Folder of Markdown pages, relative to the agent folder. */
  folder: z.string().default('knowledge'),
  /** Retrieval score below which a passage is not used. */
  minScore: z.number().min(0).default(0.35),
});

/**
 * How a language model takes part in the dialogue (docs/llm.md). Used only when an LLM is
 * configured (`providers.llm`, or OPENAI_BASE_URL in the environment).
 */
export const LlmConfigSchema = z.strictObject({
  /** Model id for an LLM taken from OPENAI_BASE_URL; VISEMO_LLM_MODEL overrides it. */
  model: nonEmptyText.optional(),
  /** Who the agent is, for the system prompt, e.g. "the customer support assistant of ShopRight". */
  role: nonEmptyText.optional(),
  /** Extra instructions appended to the system prompt. */
  instructions: nonEmptyText.optional(),
  temperature: z.number().min(0).max(2).default(0.3),
  /** Upper bound of one model answer, in tokens. */
  maxTokens: z.number().int().min(16).max(8192).default(300),
  /**
   * Longest wait for the model, in ms: to the first spoken text (tool calls included) and between
   * two streamed parts. Past it the turn falls back to the agent's own answer.
   */
  timeoutMs: z.number().int().min(100).max(120_000).default(6000),
  routing: z
    .strictObject({
      /** NLU confidence from which an intent is answered by the agent itself; default `nlu.threshold`. */
      intentThreshold: z.number().min(0).max(1).optional(),
      /** Intents the agent answers itself when confident; default all. Others go to the LLM. */
      intents: z.array(name).optional(),
    })
    .default({}),
  history: z
    .strictObject({
      /** Earlier turns (a user message and the reply) the model sees. */
      turns: z.number().int().min(0).max(100).default(8),
      /** Character budget of those turns (about 4 characters a token); older turns are left out. */
      maxChars: z.number().int().min(0).default(6000),
    })
    .prefault({}),
  knowledge: z
    .strictObject({
      /** Knowledge passages given to the model with each question. */
      topK: z.number().int().min(0).max(20).default(4),
      /** Normalised BM25 score below which a passage is not given. */
      minScore: z.number().min(0).default(0.1),
    })
    .prefault({}),
  /** Offer the model a `handoff_to_human` tool. */
  handoff: z.boolean().default(true),
});

/** The kinds of model artifact the registry versions (docs/operations.md). */
export const MODEL_KINDS = ['nlu', 'grammar', 'voice', 'llm', 'asr', 'tts'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

const modelVersion = z.number().int().min(1);

/** How the agent's model artifacts are chosen from the model registry. */
export const ModelsConfigSchema = z.strictObject({
  /**
   * `auto`: an artifact the agent's files or configuration make anew is promoted when the server
   * starts; `manual`: it is registered and waits for `visemo models promote`.
   */
  promote: z.enum(['auto', 'manual']).default('auto'),
  /** Versions the agent always runs with, whatever is promoted, e.g. `{ nlu: 3 }`. */
  pin: z
    .strictObject({
      nlu: modelVersion.optional(),
      grammar: modelVersion.optional(),
      voice: modelVersion.optional(),
      llm: modelVersion.optional(),
      asr: modelVersion.optional(),
      tts: modelVersion.optional(),
    })
    .default({}),
});

export const AgentSchema = z.strictObject({
  version: z.literal(1).default(1),
  persona: PersonaSchema,
  nlu: NluConfigSchema.prefault({}),
  speech: SpeechConfigSchema.prefault({}),
  knowledge: KnowledgeConfigSchema.prefault({}),
  intents: z.array(IntentSchema).min(1),
  entities: z.array(EntitySchema).default([]),
  flows: z.array(FlowSchema).default([]),
  /**
   * Model providers and their fallback chains. Core keeps the section opaque: its schema is made of
   * the vendors @visemo/providers registers, and the server checks it (with the API key variables
   * it names) when it loads the agent (docs/providers.md).
   */
  providers: z.record(z.string(), z.unknown()).optional(),
  llm: LlmConfigSchema.optional(),
  /** The privacy notice's version and how long each category of data is kept (docs/agents.md). */
  privacy: AgentPrivacySchema.prefault({}),
  models: ModelsConfigSchema.prefault({}),
});

export type AgentSpec = z.infer<typeof AgentSchema>;
export type PersonaSpec = z.infer<typeof PersonaSchema>;
export type IntentSpec = z.infer<typeof IntentSchema>;
export type EntitySpec = z.infer<typeof EntitySchema>;
export type FlowSpec = z.infer<typeof FlowSchema>;
export type SlotSpec = z.infer<typeof SlotSchema>;
export type LlmSpec = z.infer<typeof LlmConfigSchema>;
export type ModelsSpec = z.infer<typeof ModelsConfigSchema>;

/** A knowledge page: one Markdown file of the agent's `knowledge/` folder. */
export interface KnowledgePage {
  /** Path relative to the agent folder, e.g. `knowledge/returns.md`. */
  source: string;
  title: string;
  markdown: string;
}

/** The text an agent was parsed from, so later checks can point at the line of a field. */
export interface AgentSource {
  file: string;
  text: string;
}

/** A loaded, validated agent: its spec plus what its folder holds. */
export interface Agent {
  dir: string;
  spec: AgentSpec;
  knowledge: KnowledgePage[];
  /** Records of each flow's lookup file, by flow name. */
  lookups: Record<string, Record<string, unknown>[]>;
  /** Where the spec was read from; absent for agents built in code. */
  source?: AgentSource;
}
