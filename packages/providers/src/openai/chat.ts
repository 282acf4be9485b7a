import type { ChatMessage, ChatModel, ChatRequest, ChatStreamPart, ChatUsage, ToolCall } from '@visemo/core';
import { ErrorCode } from '@visemo/core';
import { ProviderError, redact } from '../errors.js';
import { abortReason, bodyChunks, providerFetch } from '../http/request.js';
import { linkedController } from '../http/signals.js';
import { parseSse } from '../http/sse.js';
import {
  type AzureOpenAIConfig,
  endpointUrl,
  type OpenAICompatibleConfig,
  type ResolvedEndpoint,
  resolveAzureEndpoint,
  resolveOpenAIEndpoint,
} from './config.js';

export interface OpenAIChatConfig extends OpenAICompatibleConfig {
  /** Model id as the server names it (`gpt-4o-mini`, `llama3.2`, a vLLM served-model-name). */
  model: string;
  /** Shown in events and errors; defaults to `openai-compatible:<model>`. */
  name?: string;
  /**
   * The field that carries `maxTokens`. OpenAI's newer models want `max_completion_tokens`; Ollama,
   * vLLM, llama.cpp and LM Studio read `max_tokens`, the default.
   */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /**
   * Asks for the token counts at the end of the stream (`stream_options.include_usage`), which the
   * finish part then carries. On by default; off for a server that refuses the field.
   */
  includeUsage?: boolean;
  /** Extra body fields passed through as they are (e.g. `top_p`, vLLM's `guided_json`). */
  extraBody?: Record<string, unknown>;
}

export interface AzureOpenAIChatConfig extends AzureOpenAIConfig {
  name?: string;
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  includeUsage?: boolean;
  extraBody?: Record<string, unknown>;
}

/**
 * A ChatModel over the OpenAI chat-completions API with `stream: true`: OpenAI, Azure OpenAI,
 * Ollama, vLLM, llama.cpp server, LM Studio, LocalAI.
 */
export class OpenAICompatibleChatModel implements ChatModel {
  readonly name: string;
  private readonly endpoint: ResolvedEndpoint;
  private readonly model: string | undefined;
  private readonly maxTokensField: string;
  private readonly includeUsage: boolean;
  private readonly extraBody: Record<string, unknown>;

  constructor(options: {
    name: string;
    endpoint: ResolvedEndpoint;
    model?: string;
    maxTokensField?: string;
    includeUsage?: boolean;
    extraBody?: Record<string, unknown>;
  }) {
    this.name = options.name;
    this.endpoint = options.endpoint;
    this.model = options.model;
    this.maxTokensField = options.maxTokensField ?? 'max_tokens';
    this.includeUsage = options.includeUsage ?? true;
    this.extraBody = options.extraBody ?? {};
  }

  async *stream(request: ChatRequest): AsyncGenerator<ChatStreamPart> {
    const { controller, dispose } = linkedController(request.signal);
    const secrets = [this.endpoint.apiKey];
    let done = false;
    try {
      const response = await providerFetch({
        provider: this.name,
        url: endpointUrl(this.endpoint, '/chat/completions'),
        headers: {
          ...this.endpoint.headers,
          'content-type': 'application/json',
          accept: 'text/event-stream',
        },
        body: JSON.stringify(this.body(request)),
        signal: controller.signal,
        secrets,
      });
      if (!response.body) throw this.broken('the answer has no body', false);
      const calls = new ToolCallAccumulator();
      let finish: Extract<ChatStreamPart, { type: 'finish' }> | undefined;
      let usage: ChatUsage | undefined;
      let delivered = false;
      try {
        for await (const event of parseSse(bodyChunks(response.body))) {
          const data = event.data.trim();
          if (data === '[DONE]') break;
          if (data === '') continue;
          let chunk: StreamChunk;
          try {
            chunk = JSON.parse(data) as StreamChunk;
          } catch (error) {
            throw this.broken(`unreadable stream chunk: ${data.slice(0, 80)}`, delivered, error);
          }
          if (chunk.error) throw this.streamedError(chunk.error, delivered);
          // With include_usage the counts come in a last chunk of their own, after finish_reason.
          if (chunk.usage) usage = usageOf(chunk.usage);
          for (const choice of chunk.choices ?? []) {
            if ((choice.index ?? 0) !== 0) continue;
            const text = choice.delta?.content;
            if (typeof text === 'string' && text !== '') {
              delivered = true;
              yield { type: 'text-delta', text };
            }
            for (const delta of choice.delta?.tool_calls ?? []) calls.add(delta);
            if (choice.finish_reason)
              finish = { type: 'finish', reason: finishReason(choice.finish_reason, calls) };
          }
        }
      } catch (error) {
        const aborted = abortReason(controller.signal);
        if (aborted) throw aborted;
        if (error instanceof ProviderError) throw error;
        throw this.broken(`the stream broke off: ${messageOf(error)}`, delivered, error);
      }
      // No finish_reason and no [DONE] seen means the connection ended early.
      if (!finish) {
        const aborted = abortReason(controller.signal);
        if (aborted) throw aborted;
        throw this.broken('the stream ended before the reply was finished', delivered);
      }
      for (const call of calls.complete()) yield { type: 'tool-call', call };
      done = true;
      yield usage ? { ...finish, usage } : finish;
    } finally {
      // A consumer that stops early (barge-in, break) must not leave the upstream request open.
      if (!done) controller.abort(request.signal?.reason);
      dispose();
    }
  }

  private body(request: ChatRequest): Record<string, unknown> {
    const body: Record<string, unknown> = {
      ...this.extraBody,
      messages: request.messages.map(wireMessage),
      stream: true,
    };
    if (this.model !== undefined) body.model = this.model;
    if (this.includeUsage) body.stream_options = { include_usage: true };
    if (request.tools?.length) {
      body.tools = request.tools.map((t) => ({
        type: 'function',
        function: { name: t.name, description: t.description, parameters: t.parameters },
      }));
    }
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.maxTokens !== undefined) body[this.maxTokensField] = request.maxTokens;
    return body;
  }

  private broken(message: string, delivered: boolean, cause?: unknown): ProviderError {
    return new ProviderError(
      ErrorCode.ProviderStreamBroken,
      redact(`${this.name}: ${message}`, [this.endpoint.apiKey]),
      {
        provider: this.name,
        // Before anything reached the caller, asking again is safe.
        retryable: !delivered,
        cause,
      },
    );
  }

  private streamedError(error: WireError, delivered: boolean): ProviderError {
    const serverSide = error.type === 'server_error' || error.code === 'server_error';
    return new ProviderError(
      serverSide ? ErrorCode.ProviderUnavailable : ErrorCode.ProviderFailed,
      redact(`${this.name}: ${error.message ?? 'error in stream'}`, [this.endpoint.apiKey]),
      {
        provider: this.name,
        vendorType: error.type ?? undefined,
        vendorCode: error.code === null || error.code === undefined ? undefined : String(error.code),
        retryable: serverSide && !delivered,
        cause: error,
      },
    );
  }
}

export function createOpenAIChatModel(config: OpenAIChatConfig): OpenAICompatibleChatModel {
  return new OpenAICompatibleChatModel({
    name: config.name ?? `openai-compatible:${config.model}`,
    endpoint: resolveOpenAIEndpoint(config),
    model: config.model,
    maxTokensField: config.maxTokensField,
    includeUsage: config.includeUsage,
    extraBody: config.extraBody,
  });
}

/** Azure OpenAI: the deployment in the path picks the model, so no `model` field is sent. */
export function createAzureOpenAIChatModel(config: AzureOpenAIChatConfig): OpenAICompatibleChatModel {
  return new OpenAICompatibleChatModel({
    name: config.name ?? `azure-openai:${config.deployment}`,
    endpoint: resolveAzureEndpoint(config),
    maxTokensField: config.maxTokensField,
    includeUsage: config.includeUsage,
    extraBody: config.extraBody,
  });
}

interface WireError {
  message?: string;
  type?: string | null;
  code?: string | number | null;
}

interface ToolCallDelta {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

interface StreamChunk {
  choices?: {
    index?: number;
    delta?: { role?: string; content?: string | null; tool_calls?: ToolCallDelta[] };
    finish_reason?: string | null;
  }[];
  usage?: WireUsage | null;
  error?: WireError;
}

interface WireUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

function usageOf(usage: WireUsage): ChatUsage {
  return { inputTokens: usage.prompt_tokens ?? 0, outputTokens: usage.completion_tokens ?? 0 };
}

/**
 * Tool calls arrive in pieces: the first delta of a call carries `index`, `id` and the name, later
 * ones only `index` and a slice of the arguments text. Servers that leave out `index` (some Ollama
 * and LocalAI versions) send each call whole, so a delta without index and with a new id starts a
 * new call.
 */
class ToolCallAccumulator {
  private readonly calls = new Map<number, { id: string; name: string; arguments: string }>();

  add(delta: ToolCallDelta): void {
    let index = delta.index;
    if (index === undefined) {
      const existing = [...this.calls.entries()].find(([, c]) => delta.id !== undefined && c.id === delta.id);
      index = existing
        ? existing[0]
        : delta.id !== undefined || this.calls.size === 0
          ? this.calls.size
          : this.calls.size - 1;
    }
    const call = this.calls.get(index) ?? { id: '', name: '', arguments: '' };
    if (delta.id) call.id = delta.id;
    if (delta.function?.name) call.name += delta.function.name;
    if (delta.function?.arguments) call.arguments += delta.function.arguments;
    this.calls.set(index, call);
  }

  get size(): number {
    return this.calls.size;
  }

  complete(): ToolCall[] {
    return [...this.calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, c]) => ({ id: c.id || `call_${index}`, name: c.name, arguments: c.arguments || '{}' }));
  }
}

function finishReason(
  reason: string,
  calls: ToolCallAccumulator,
): 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'other' {
  switch (reason) {
    case 'stop':
      // Ollama ends a tool-calling reply with `stop`.
      return calls.size > 0 ? 'tool-calls' : 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'other';
  }
}

function wireMessage(message: ChatMessage): Record<string, unknown> {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'assistant': {
      const out: Record<string, unknown> = { role: 'assistant', content: message.content };
      if (message.toolCalls?.length) {
        out.tool_calls = message.toolCalls.map((c) => ({
          id: c.id,
          type: 'function',
          function: { name: c.name, arguments: c.arguments },
        }));
      }
      return out;
    }
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
