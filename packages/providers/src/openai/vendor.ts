import { z } from 'zod';
import { defineHop, envName, timeoutMs, url, type Vendor } from '../vendor.js';
import { createOpenAIChatModel } from './chat.js';
import { OpenAISpeechSynthesizer } from './speech.js';
import { OpenAITranscriptionRecognizer } from './transcription.js';

/** OpenAI-compatible servers may take no key (Ollama, vLLM); the adapter asks for one where needed. */
const apiKey = { env: 'OPENAI_API_KEY', required: false };

/** `OPENAI_BASE_URL` is the one variable the adapters read themselves; the key comes from `apiKeyEnv`. */
const baseUrlEnv = (env: Record<string, string | undefined>) => ({ OPENAI_BASE_URL: env.OPENAI_BASE_URL });

/** OpenAI and every server that speaks its API: Ollama, vLLM, llama.cpp, LM Studio, LocalAI, Groq. */
export const openai = {
  llm: defineHop('llm', {
    schema: z.strictObject({
      type: z.literal('openai-compatible'),
      /** Defaults to OPENAI_BASE_URL, then OpenAI. */
      baseURL: url.optional(),
      model: z.string().min(1),
      apiKeyEnv: envName.optional(),
      headers: z.record(z.string(), z.string()).optional(),
      maxTokensField: z.enum(['max_tokens', 'max_completion_tokens']).optional(),
      includeUsage: z.boolean().optional(),
      timeoutMs: timeoutMs.optional(),
    }),
    apiKey,
    create: (hop, { apiKey, env }) =>
      createOpenAIChatModel({
        baseURL: hop.baseURL,
        model: hop.model,
        apiKey,
        headers: hop.headers,
        maxTokensField: hop.maxTokensField,
        includeUsage: hop.includeUsage,
        env: baseUrlEnv(env),
      }),
  }),
  tts: defineHop('tts', {
    schema: z.strictObject({
      type: z.literal('openai-compatible'),
      baseURL: url.optional(),
      model: z.string().optional(),
      voice: z.string().optional(),
      responseFormat: z.enum(['pcm', 'wav', 'mp3', 'opus']).optional(),
      speed: z.number().min(0.25).max(4).optional(),
      instructions: z.string().optional(),
      apiKeyEnv: envName.optional(),
      timeoutMs: timeoutMs.optional(),
    }),
    apiKey,
    create: (hop, { apiKey, env }) =>
      new OpenAISpeechSynthesizer({
        baseURL: hop.baseURL,
        model: hop.model,
        voice: hop.voice,
        responseFormat: hop.responseFormat,
        speed: hop.speed,
        instructions: hop.instructions,
        apiKey,
        env: baseUrlEnv(env),
      }),
  }),
  asr: defineHop('asr', {
    schema: z.strictObject({
      type: z.literal('openai-compatible'),
      baseURL: url.optional(),
      model: z.string().optional(),
      language: z.string().optional(),
      prompt: z.string().optional(),
      responseFormat: z.enum(['json', 'verbose_json']).optional(),
      apiKeyEnv: envName.optional(),
      timeoutMs: timeoutMs.optional(),
    }),
    apiKey,
    create: (hop, { apiKey, env }) =>
      new OpenAITranscriptionRecognizer({
        baseURL: hop.baseURL,
        model: hop.model,
        language: hop.language,
        prompt: hop.prompt,
        responseFormat: hop.responseFormat,
        apiKey,
        env: baseUrlEnv(env),
      }),
  }),
} satisfies Vendor;
