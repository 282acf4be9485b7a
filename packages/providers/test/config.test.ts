import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createProviders, ProvidersConfigSchema } from '../src/index.js';

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
      { llm: [{ type: 'openai-compatible', model: 'gpt-4o-mini', apiKeyEnv: 'MY_LLM_KEY' }] },
      { MY_LLM_KEY: 'sk-x' },
    );
    expect(providers.llm).toBeDefined();
    expect(() => createProviders({ llm: [{ type: 'openai-compatible', model: 'gpt-4o-mini' }] }, {})).toThrow(
      /OPENAI_API_KEY/,
    );
  });
});
