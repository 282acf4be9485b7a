import { ErrorCode, VisemoError } from '@visemo/core';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface OpenAICompatibleConfig {
  /**
   * The API root, including the version segment: `https://api.openai.com/v1`,
   * `http://localhost:11434/v1` (Ollama), `http://localhost:8000/v1` (vLLM),
   * `http://localhost:8080/v1` (llama.cpp server), `http://localhost:1234/v1` (LM Studio).
   * Defaults to `OPENAI_BASE_URL`, then to OpenAI's own. A trailing slash is ignored.
   */
  baseURL?: string;
  /** Sent as `Authorization: Bearer …`. Defaults to `OPENAI_API_KEY`; local servers need none. */
  apiKey?: string;
  /** Extra headers on every request (e.g. `OpenAI-Organization`, a gateway's own key). */
  headers?: Record<string, string>;
  /** Where `OPENAI_BASE_URL` and `OPENAI_API_KEY` are read from; `process.env` by default. */
  env?: Record<string, string | undefined>;
}

export interface ResolvedEndpoint {
  /** The root URL without a trailing slash. */
  root: string;
  /** Query string appended to every path (Azure's `api-version`), with its `?`, or ''. */
  query: string;
  headers: Record<string, string>;
  apiKey: string | undefined;
}

/**
 * Resolves base URL and key the way the official OpenAI SDK does: explicit option, else the
 * environment variable (empty counts as unset), else the default. The SDK refuses to run without a
 * key; here a key is required only for OpenAI's own endpoint, since local servers take none.
 */
export function resolveOpenAIEndpoint(config: OpenAICompatibleConfig): ResolvedEndpoint {
  const env = config.env ?? process.env;
  const read = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const root = (config.baseURL || read('OPENAI_BASE_URL') || OPENAI_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const apiKey = config.apiKey || read('OPENAI_API_KEY');
  if (!apiKey && root === OPENAI_DEFAULT_BASE_URL) {
    throw new VisemoError(
      ErrorCode.AgentInvalid,
      'OpenAI needs an API key: set OPENAI_API_KEY (or name another variable with apiKeyEnv)',
    );
  }
  const headers: Record<string, string> = { ...config.headers };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  return { root, query: '', headers, apiKey };
}

export interface AzureOpenAIConfig {
  /** The resource endpoint, e.g. `https://my-resource.openai.azure.com`. */
  endpoint: string;
  /** The deployment name; Azure picks the model from it. */
  deployment: string;
  /** Data-plane API version; `2024-10-21` is the current GA one. */
  apiVersion?: string;
  /** Sent as the `api-key` header. */
  apiKey: string;
  headers?: Record<string, string>;
}

export const AZURE_OPENAI_DEFAULT_API_VERSION = '2024-10-21';

/** `{endpoint}/openai/deployments/{deployment}/…?api-version=…` with the `api-key` header. */
export function resolveAzureEndpoint(config: AzureOpenAIConfig): ResolvedEndpoint {
  const endpoint = config.endpoint.replace(/\/+$/, '');
  return {
    root: `${endpoint}/openai/deployments/${encodeURIComponent(config.deployment)}`,
    query: `?api-version=${encodeURIComponent(config.apiVersion ?? AZURE_OPENAI_DEFAULT_API_VERSION)}`,
    headers: { ...config.headers, 'api-key': config.apiKey },
    apiKey: config.apiKey,
  };
}

export function endpointUrl(endpoint: ResolvedEndpoint, path: string): string {
  return `${endpoint.root}${path}${endpoint.query}`;
}
