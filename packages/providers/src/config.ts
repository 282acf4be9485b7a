import { z } from 'zod';
import { hopDefinition, hopDefinitions, type VENDORS } from './registry.js';
import type { ProviderKind } from './reliability/events.js';
import type { HopSchema } from './vendor.js';

type DefinitionsOf<K extends ProviderKind, V = (typeof VENDORS)[number]> = V extends {
  readonly [P in K]: infer D;
}
  ? D
  : never;
type OutputOf<D> = D extends { schema: infer S extends z.ZodType } ? z.output<S> : never;
type InputOf<D> = D extends { schema: infer S extends z.ZodType } ? z.input<S> : never;

/** One validated hop of `providers.<kind>`: the union of what the registered vendors accept. */
export type HopConfig<K extends ProviderKind> = K extends ProviderKind ? OutputOf<DefinitionsOf<K>> : never;
export type HopConfigInput<K extends ProviderKind> = K extends ProviderKind
  ? InputOf<DefinitionsOf<K>>
  : never;

/** `providers.<kind>`: the registered vendors' hop schemas, told apart by `type`. */
function hopList<K extends ProviderKind>(kind: K) {
  const schemas = hopDefinitions(kind).map((d) => d.schema) as unknown as [HopSchema, ...HopSchema[]];
  // The union is built from the list at run time; its type is the same list's, seen by the compiler.
  return z.array(z.discriminatedUnion('type', schemas)) as unknown as z.ZodType<
    HopConfig<K>[],
    HopConfigInput<K>[]
  >;
}

/** The `providers:` section of agent.yaml (docs/providers.md). */
export const ProvidersConfigSchema = z.strictObject({
  llm: hopList('llm').default([]),
  tts: hopList('tts').default([]),
  asr: hopList('asr').default([]),
  retry: z
    .strictObject({
      retries: z.number().int().min(0).max(5).optional(),
      baseDelayMs: z.number().int().positive().optional(),
      maxDelayMs: z.number().int().positive().optional(),
      maxRetryAfterMs: z.number().int().nonnegative().optional(),
    })
    .optional(),
  circuitBreaker: z
    .strictObject({
      failureThreshold: z.number().int().positive().optional(),
      resetAfterMs: z.number().int().positive().optional(),
    })
    .optional(),
});

export type ProvidersConfig = z.infer<typeof ProvidersConfigSchema>;
export type ProvidersConfigInput = z.input<typeof ProvidersConfigSchema>;

/** A problem with the section: the field's path from the agent file's root, and what is wrong. */
export interface ProvidersIssue {
  path: (string | number)[];
  message: string;
}

/** The section checked: its config when it is valid and every key it needs is set, else its issues. */
export type ProvidersCheck =
  | { config: ProvidersConfig; issues: [] }
  | { config: null; issues: ProvidersIssue[] };

/**
 * Validates the `providers:` section and the API key variables it needs in `env`. The one check of
 * the section: the server runs it when it loads the agent, then builds from the config it returns.
 */
export function checkProviders(section: unknown, env: Record<string, string | undefined>): ProvidersCheck {
  const parsed = ProvidersConfigSchema.safeParse(section);
  if (!parsed.success) return { config: null, issues: parsed.error.issues.flatMap(schemaIssues) };
  const missing = missingKeys(parsed.data, env);
  return missing.length > 0 ? { config: null, issues: missing } : { config: parsed.data, issues: [] };
}

function schemaIssues(issue: z.core.$ZodIssue): ProvidersIssue[] {
  const path = ['providers', ...issue.path.filter((s): s is string | number => typeof s !== 'symbol')];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(key) }));
  }
  return [{ path, message: lowerFirst(issue.message.replace(/^Invalid input: /, '')) }];
}

/** The variable a hop's key is read from, and its value; undefined for hops that take no key. */
export function hopApiKey<K extends ProviderKind>(
  kind: K,
  hop: HopConfig<K>,
  env: Record<string, string | undefined>,
): { variable: string; required: boolean; value: string | undefined } | undefined {
  const source = hopDefinition(kind, hop.type).apiKey;
  if (!source) return undefined;
  const variable = ('apiKeyEnv' in hop ? hop.apiKeyEnv : undefined) ?? source.env;
  return { variable, required: source.required, value: env[variable]?.trim() || undefined };
}

/** Hops whose required key variable is not set; only the variable's name is ever shown. */
export function missingKeys(
  config: ProvidersConfig,
  env: Record<string, string | undefined>,
): ProvidersIssue[] {
  const issues: ProvidersIssue[] = [];
  for (const kind of ['llm', 'tts', 'asr'] as const) {
    const hops: readonly HopConfig<ProviderKind>[] = config[kind];
    hops.forEach((hop, i) => {
      const key = hopApiKey(kind, hop, env);
      if (!key?.required || key.value) return;
      issues.push({
        path: ['providers', kind, i, 'apiKeyEnv'],
        message: `${hop.type} needs its API key in the environment variable ${key.variable}, which is not set`,
      });
    });
  }
  return issues;
}

function unknownKeyMessage(key: string): string {
  if (/^(api_?key|key|token|secret|password)$/i.test(key)) {
    return `unknown field \`${key}\`: keys are never written in agent.yaml; put it in an environment variable and name that with \`apiKeyEnv\``;
  }
  return `unknown field \`${key}\``;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
