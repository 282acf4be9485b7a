import {
  type Agent,
  AgentDefinitionError,
  type AgentFieldPath,
  type AgentIssue,
  type AgentSource,
  formatFieldPath,
  locateAgentField,
} from '@visemo/core';
import { loadAgent } from '@visemo/dialogue';
import { checkProviders, type ProvidersConfig } from '@visemo/providers';

/** An agent as the server runs it: loaded, with its `providers:` section checked against the environment. */
export interface ConfiguredAgent extends Agent {
  /**
   * agent.yaml's `providers:`, validated, with every API key variable it requires set. Null when the
   * agent has no such section, or when the server runs it on embedded providers only.
   */
  readonly providers: ProvidersConfig | null;
}

export interface ConfiguredAgentOptions {
  /** Where the API key variables are looked up. */
  env: Record<string, string | undefined>;
  /** False: the section is neither checked nor used (embedded providers only). Default true. */
  providers?: boolean;
}

/**
 * Loads an agent folder and checks, once, what only the server's environment can tell: the
 * `providers:` section (schema and API key variables) and the intents `llm.routing` names. Every
 * problem is located in agent.yaml and all are thrown together as one AgentDefinitionError.
 */
export async function loadConfiguredAgent(
  dir: string,
  options: ConfiguredAgentOptions,
): Promise<ConfiguredAgent> {
  const agent = await loadAgent(dir);
  if (options.providers === false) return { ...agent, providers: null };

  const issues: PendingIssue[] = routingIssues(agent);
  let providers: ProvidersConfig | null = null;
  if (agent.spec.providers !== undefined) {
    const checked = checkProviders(agent.spec.providers, options.env);
    providers = checked.config;
    issues.push(...checked.issues);
  }
  if (issues.length > 0) {
    const located = issues.map((issue) => locate(agent.source, issue.path, issue.message));
    throw new AgentDefinitionError(located.sort((a, b) => a.line - b.line || a.column - b.column));
  }
  return { ...agent, providers };
}

/** A problem found here, to be located in agent.yaml. */
interface PendingIssue {
  path: AgentFieldPath;
  message: string;
}

/** Intents `llm.routing.intents` names that the agent does not define. */
function routingIssues(agent: Agent): PendingIssue[] {
  const intents = new Set(agent.spec.intents.map((i) => i.name));
  return (agent.spec.llm?.routing.intents ?? []).flatMap((name, i) =>
    intents.has(name)
      ? []
      : [{ path: ['llm', 'routing', 'intents', i], message: `no intent is named \`${name}\`` }],
  );
}

function locate(source: AgentSource, path: AgentFieldPath, message: string): AgentIssue {
  return { ...locateAgentField(source.text, source.file, path), field: formatFieldPath(path), message };
}
