import type { Agent, ToolDefinition } from '@visemo/core';
import type { KnowledgeHit } from '../knowledge-index.js';

export interface PromptSettings {
  /** Who the agent is: "the customer support assistant of ShopRight, an online shop". */
  role?: string;
  /** Appended to the prompt as written. */
  instructions?: string;
}

/**
 * The system prompt of an agent: its persona, the rules for text that is spoken rather than read,
 * how to use knowledge and tools, and the author's own instructions.
 */
export function systemPrompt(
  agent: Agent,
  tools: readonly ToolDefinition[],
  settings: PromptSettings = {},
): string {
  const { persona } = agent.spec;
  const role = settings.role ?? 'a voice assistant';
  const lines = [
    `You are ${persona.name}, ${role}. You talk with a person through a voice interface: everything you write is spoken aloud by a speech synthesizer, and the person hears it rather than reads it.`,
    `You opened the conversation with: "${persona.greeting}"`,
    `Always answer in ${languageName(persona.language)}.`,
    '',
    'How to speak:',
    '- Keep it short: one to three short sentences, unless the person asks for more detail.',
    '- Plain spoken sentences only. No Markdown, no bullet points or numbered lists, no headings, no tables, no emojis.',
    '- Never read out a web address, an email address or a file name; say where to find it instead, for example "on our website" or "in your confirmation email".',
    '- Ask one question at a time.',
    '',
    'What you may say:',
    `- Facts about ${persona.name}'s service, products, policies, orders, prices and times come only from the knowledge passages and tool results you are given in this conversation. If they do not hold the answer, say plainly that you don't know, and offer to connect the person with a colleague.`,
    '- Never invent order details, prices, dates or policies.',
    '- You may make small talk and answer general questions briefly, then steer back to how you can help.',
  ];
  const lookups = tools.filter((t) => t.name !== HANDOFF_TOOL);
  if (lookups.length > 0) {
    lines.push(
      '',
      'Tools:',
      '- Use a tool when it can answer the question. If a value it needs is missing, ask the person for it first; never guess a value.',
      '- Say the result in your own words, briefly.',
    );
  }
  if (tools.some((t) => t.name === HANDOFF_TOOL)) {
    lines.push(
      `- When the person asks for a human, or you cannot help after trying, call ${HANDOFF_TOOL} and tell them a colleague will take over.`,
    );
  }
  if (settings.instructions) lines.push('', settings.instructions.trim());
  return lines.join('\n');
}

/** The name of the tool that hands the conversation to a person. */
export const HANDOFF_TOOL = 'handoff_to_human';

/**
 * The knowledge passages retrieved for the person's next message, with their sources, as the
 * system message that goes right before it.
 */
export function knowledgeMessage(hits: readonly KnowledgeHit[]): string {
  if (hits.length === 0) {
    return "No knowledge passage matches the person's next message. If it asks about the service, its products, policies or orders and no tool answers it, say that you don't know.";
  }
  const passages = hits.map((hit, i) => {
    const context = hit.passage.headings.join(' > ');
    return `[${i + 1}] (source: ${hit.source}${context ? `; ${context}` : ''})\n${hit.passage.text}`;
  });
  return [
    "Knowledge passages that may answer the person's next message, best match first:",
    '',
    ...passages,
    '',
    "Answer from these passages (or a tool result). If they do not hold the answer, say that you don't know; do not fill the gap from general knowledge. Do not mention the passages or their sources.",
  ].join('\n');
}

/** "American English" for `en-US`; the tag itself when the runtime cannot name it. */
export function languageName(tag: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' }).of(tag) ?? tag;
  } catch {
    return tag;
  }
}
