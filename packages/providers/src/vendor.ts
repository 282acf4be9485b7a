import type { ChatModel, SpeechRecognizer, SpeechSynthesizer } from '@visemo/core';
import { z } from 'zod';
import type { ProviderKind } from './reliability/events.js';

/**
 * What a vendor folder provides: for each kind it serves (`llm`, `tts`, `asr`), the schema of its
 * hop in agent.yaml's `providers:` section and the factory that builds the provider from a hop.
 * registry.ts lists the vendors; the config schema and `createProviders` both read that list.
 */
export interface Vendor {
  readonly llm?: HopDefinition<'llm'>;
  readonly tts?: HopDefinition<'tts'>;
  readonly asr?: HopDefinition<'asr'>;
}

/** The provider interface each kind of hop builds. */
export interface ProviderOf {
  llm: ChatModel;
  tts: SpeechSynthesizer;
  asr: SpeechRecognizer;
}

/** A hop's schema: a strict object whose `type` literal names it in agent.yaml. */
export type HopSchema = z.ZodObject<{ type: z.ZodLiteral<string> } & z.ZodRawShape>;

export interface HopDefinition<
  K extends ProviderKind = ProviderKind,
  S extends HopSchema = HopSchema,
  A extends ApiKeySource | undefined = ApiKeySource | undefined,
> {
  schema: S;
  /** Where the hop's API key comes from; absent for providers that take none. */
  apiKey?: A;
  /** Runs in this process (Flite, the embedded providers): its calls are not retried. */
  local?: boolean;
  create(hop: z.output<S>, context: HopContext<KeyValue<A>>): ProviderOf[K];
}

export interface ApiKeySource {
  /** The variable read when the hop names none with `apiKeyEnv`. */
  env: string;
  /**
   * A required key's variable must be set when agent.yaml is loaded; an optional one is sent when
   * set (OpenAI-compatible local servers take none).
   */
  required: boolean;
}

/** A required key was checked before any factory runs, so its factory gets a string. */
type KeyValue<A> = A extends { required: true } ? string : string | undefined;

/** What a factory gets besides its hop. */
export interface HopContext<Key extends string | undefined = string | undefined> {
  /** The value of the hop's key variable (`apiKeyEnv`, else the vendor's default). */
  apiKey: Key;
  env: Record<string, string | undefined>;
  /** Providers for `type: embedded` hops, built by the caller (the agent's grammar recognizer). */
  embedded: { tts?: SpeechSynthesizer; asr?: SpeechRecognizer };
  /** Registers what `Providers.close()` releases (Flite's workers). */
  onClose(release: () => Promise<void>): void;
}

/** A hop definition with its schema's own types, so the factory sees the fields it declared. */
export function defineHop<
  K extends ProviderKind,
  S extends HopSchema,
  const A extends ApiKeySource | undefined = undefined,
>(_kind: K, definition: HopDefinition<K, S, A>): HopDefinition<K, S, A> {
  return definition;
}

/**
 * Fields hops share. Keys are never written in the file: a remote provider names the environment
 * variable that holds its key (`apiKeyEnv`), and hop objects are strict, so an `apiKey:` field is an
 * error rather than a silently committed secret.
 */
export const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');
export const timeoutMs = z.number().int().positive().max(120_000);
export const url = z.url();
