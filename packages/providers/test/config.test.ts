import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  checkProviders,
  createProviders,
  hopDefinitions,
  type ProviderKind,
  ProvidersConfigSchema,
  VENDORS,
} from '../src/index.js';

const YAML = `
llm:
  - type: openai-compatible
    baseURL: http://127.0.0.1:11434/v1
    model: llama3.2
    timeoutMs: 4000
  - type: azure-openai
    endpoint: https://example.openai.azure.com
    deployment: gpt4o
tts:
  - type: elevenlabs
    voiceId: JBFqnCBsd6RMkjVDRZzb
    timeoutMs: 2500
  - type: flite
    voice: slt
asr:
  - type: deepgram
    model: nova-3
  - type: openai-compatible
    baseURL: http://127.0.0.1:8000/v1
    model: Systran/faster-whisper-small
circuitBreaker:
  failureThreshold: 3
`;

describe('providers config', () => {
  it('builds fallback chains from agent.yaml with keys from the environment', async () => {
    const config = ProvidersConfigSchema.parse(parse(YAML));
    const providers = createProviders(config, {
      AZURE_OPENAI_API_KEY: 'az',
      ELEVENLABS_API_KEY: 'xi',
      DEEPGRAM_API_KEY: 'dg',
    });
    expect(providers.llm?.name).toBe('fallback(openai-compatible:llama3.2 > azure-openai:gpt4o)');
    expect(providers.tts?.name).toBe('fallback(elevenlabs:JBFqnCBsd6RMkjVDRZzb > flite)');
    expect(providers.asr?.name).toBe(
      'fallback(deepgram:nova-3 > openai-transcription:Systran/faster-whisper-small)',
    );
    expect(providers.breakers).toHaveLength(6);
    await providers.close();
  });

  it('names the missing variable, not a value', () => {
    const config = ProvidersConfigSchema.parse(parse(YAML));
    expect(() => createProviders(config, { AZURE_OPENAI_API_KEY: 'az', DEEPGRAM_API_KEY: 'dg' })).toThrow(
      /ELEVENLABS_API_KEY/,
    );
  });

  it('refuses a key written into the file', () => {
    const result = ProvidersConfigSchema.safeParse({
      tts: [{ type: 'elevenlabs', voiceId: 'v', apiKey: 'sk-in-the-repo' }],
    });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('apiKey');
  });

  it('takes a key from the variable the config names', () => {
    const providers = createProviders(
      ProvidersConfigSchema.parse({
        llm: [{ type: 'openai-compatible', model: 'gpt-4o-mini', apiKeyEnv: 'MY_LLM_KEY' }],
      }),
      { MY_LLM_KEY: 'sk-x' },
    );
    expect(providers.llm).toBeDefined();
    const withoutKey = ProvidersConfigSchema.parse({
      llm: [{ type: 'openai-compatible', model: 'gpt-4o-mini' }],
    });
    expect(() => createProviders(withoutKey, {})).toThrow(/OPENAI_API_KEY/);
  });
});

describe('the vendor registry', () => {
  it('is what the schema accepts and what createProviders builds, kind by kind', () => {
    for (const kind of ['llm', 'tts', 'asr'] as const satisfies readonly ProviderKind[]) {
      const types = VENDORS.flatMap((v) => {
        const definition = (v as Record<string, { schema: { shape: { type: { value: string } } } }>)[kind];
        return definition ? [definition.schema.shape.type.value] : [];
      });
      expect(hopDefinitions(kind).map((d) => d.schema.shape.type.value)).toEqual(types);
      const refused = ProvidersConfigSchema.safeParse({ [kind]: [{ type: 'no-such-vendor' }] });
      expect(refused.error?.issues[0]?.message).toBe(
        `Invalid discriminator value. Expected ${types.map((t) => `'${t}'`).join(' | ')}`,
      );
    }
    expect(hopDefinitions('tts').map((d) => d.schema.shape.type.value)).toEqual([
      'openai-compatible',
      'azure-speech',
      'elevenlabs',
      'flite',
      'pico',
      'espeak',
      'embedded',
    ]);
  });
});

describe('checkProviders', () => {
  it('gives the config when the section is valid and its keys are set', () => {
    const checked = checkProviders(parse(YAML), {
      AZURE_OPENAI_API_KEY: 'az',
      ELEVENLABS_API_KEY: 'xi',
      DEEPGRAM_API_KEY: 'dg',
    });
    expect(checked.issues).toEqual([]);
    expect(checked.config?.tts.map((h) => h.type)).toEqual(['elevenlabs', 'flite']);
  });

  it('names every unset key variable at its hop, the vendor default or the one the hop names', () => {
    const checked = checkProviders(
      {
        llm: [
          {
            type: 'azure-openai',
            endpoint: 'https://x.openai.azure.com',
            deployment: 'd',
            apiKeyEnv: 'MY_AZ',
          },
        ],
        asr: [{ type: 'openai-compatible' }, { type: 'deepgram' }],
      },
      { AZURE_OPENAI_API_KEY: 'not the one named' },
    );
    expect(checked.config).toBeNull();
    expect(checked.issues).toEqual([
      {
        path: ['providers', 'llm', 0, 'apiKeyEnv'],
        message: 'azure-openai needs its API key in the environment variable MY_AZ, which is not set',
      },
      {
        path: ['providers', 'asr', 1, 'apiKeyEnv'],
        message: 'deepgram needs its API key in the environment variable DEEPGRAM_API_KEY, which is not set',
      },
    ]);
  });

  it('points at a key written into the file and at invalid fields', () => {
    const checked = checkProviders(
      {
        tts: [
          { type: 'elevenlabs', voiceId: 'v', apiKey: 'sk-in-the-repo' },
          { type: 'flite', speed: 9 },
        ],
      },
      { ELEVENLABS_API_KEY: 'xi' },
    );
    expect(checked.issues).toEqual([
      {
        path: ['providers', 'tts', 0, 'apiKey'],
        message:
          'unknown field `apiKey`: keys are never written in agent.yaml; put it in an environment variable and name that with `apiKeyEnv`',
      },
      { path: ['providers', 'tts', 1, 'speed'], message: 'too big: expected number to be <=3' },
    ]);
    expect(JSON.stringify(checked)).not.toContain('sk-in-the-repo');
  });
});
