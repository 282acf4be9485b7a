import { z } from 'zod';
import { createAzureOpenAIChatModel } from '../openai/chat.js';
import { defineHop, envName, timeoutMs, url, type Vendor } from '../vendor.js';
import { AzureSpeechSynthesizer } from './speech.js';

/** Azure OpenAI (chat) and Azure Speech (text to speech): two resources, each with its own key. */
export const azure = {
  llm: defineHop('llm', {
    schema: z.strictObject({
      type: z.literal('azure-openai'),
      endpoint: url,
      deployment: z.string().min(1),
      apiVersion: z.string().optional(),
      apiKeyEnv: envName.optional(),
      maxTokensField: z.enum(['max_tokens', 'max_completion_tokens']).optional(),
      includeUsage: z.boolean().optional(),
      timeoutMs: timeoutMs.optional(),
    }),
    apiKey: { env: 'AZURE_OPENAI_API_KEY', required: true },
    create: (hop, { apiKey }) =>
      createAzureOpenAIChatModel({
        endpoint: hop.endpoint,
        deployment: hop.deployment,
        apiVersion: hop.apiVersion,
        apiKey,
        maxTokensField: hop.maxTokensField,
        includeUsage: hop.includeUsage,
      }),
  }),
  tts: defineHop('tts', {
    schema: z
      .strictObject({
        type: z.literal('azure-speech'),
        region: z.string().optional(),
        endpoint: url.optional(),
        voice: z.string().optional(),
        language: z.string().optional(),
        outputFormat: z.string().optional(),
        apiKeyEnv: envName.optional(),
        timeoutMs: timeoutMs.optional(),
      })
      .refine((h) => h.region || h.endpoint, { message: 'azure-speech needs a region or an endpoint' }),
    apiKey: { env: 'AZURE_SPEECH_KEY', required: true },
    create: (hop, { apiKey }) =>
      new AzureSpeechSynthesizer({
        apiKey,
        region: hop.region,
        endpoint: hop.endpoint,
        voice: hop.voice,
        language: hop.language,
        outputFormat: hop.outputFormat,
      }),
  }),
} satisfies Vendor;
