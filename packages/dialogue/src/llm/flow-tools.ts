import path from 'node:path';
import type { Agent, EntitySpec, FlowSpec, SlotSpec, ToolDefinition } from '@visemo/core';
import { fillTemplate } from '../template.js';
import { HANDOFF_TOOL } from './system-prompt.js';

/** What a tool gives back: JSON text for the model, and what the dialogue must do about it. */
export interface ToolOutcome {
  /** JSON text, sent to the model as the tool message. */
  content: string;
  /** False when the arguments were unusable (the model is told why and may ask the person). */
  ok: boolean;
  /** Set by the hand-off tool: the conversation goes to a person. */
  handoff?: { reason: string };
}

/** A tool the model may call; it runs locally, on the agent's own data. */
export interface AgentTool {
  definition: ToolDefinition;
  /** Runs the tool on the model's arguments (JSON text, as the model wrote them). */
  run(args: string): ToolOutcome;
}

/**
 * One tool per flow. A flow with a lookup becomes a search of its records by the key slot (e.g.
 * `order_lookup(order_number)`), answering with the record or `found: false`; a flow without one
 * takes all its slots and answers with the flow's filled response. Either way the answer carries
 * the sentence the flow itself would say (`reply`), which the model may rephrase.
 */
export function flowTools(agent: Agent): AgentTool[] {
  const entities = new Map(agent.spec.entities.map((e) => [e.name, e]));
  return agent.spec.flows.map((flow) => flowTool(agent, flow, entities));
}

/** The `handoff_to_human` tool: its call emits a `handoff` event. */
export function handoffTool(): AgentTool {
  return {
    definition: {
      name: HANDOFF_TOOL,
      description:
        'Hands the conversation over to a human colleague. Call it when the person asks for a human, or when you cannot help them.',
      parameters: {
        type: 'object',
        properties: {
          reason: { type: 'string', description: 'One short sentence: what the person needs.' },
        },
        required: ['reason'],
      },
    },
    run(args) {
      const parsed = parseArguments(args);
      const reason =
        parsed && typeof parsed.reason === 'string' && parsed.reason.trim()
          ? parsed.reason.trim().slice(0, 300)
          : 'the person asked for a human';
      return {
        content: JSON.stringify({ status: 'a colleague has been asked to take over' }),
        ok: true,
        handoff: { reason },
      };
    },
  };
}

function flowTool(agent: Agent, flow: FlowSpec, entities: Map<string, EntitySpec>): AgentTool {
  const startedBy = agent.spec.intents.find((i) => i.flow === flow.name);
  const examples = (startedBy?.examples ?? [])
    .slice(0, 3)
    .map((e) => `"${e}"`)
    .join(', ');
  const when = examples ? ` Use it when the person asks, for example, ${examples}.` : '';
  const lookup = flow.lookup;
  const description = lookup
    ? `Looks up ${recordKind(lookup.file)} by ${lookup.key}. Answers with the record (found: true) or found: false.${when}`
    : `Completes the ${flow.name.replaceAll('_', ' ')} request once every value is known, and answers with the confirmation to give.${when}`;
  const properties: Record<string, unknown> = {};
  for (const slot of flow.slots) properties[slot.name] = slotSchema(slot, entities.get(slot.entity));
  return {
    definition: {
      name: flow.name,
      description,
      parameters: { type: 'object', properties, required: flow.slots.map((s) => s.name) },
    },
    run(args) {
      const parsed = parseArguments(args);
      if (!parsed) return failure('the arguments are not a JSON object');
      const values: Record<string, string> = {};
      for (const slot of flow.slots) {
        const value = slotValue(parsed[slot.name], entities.get(slot.entity));
        if (typeof value === 'object') {
          return failure(`${slot.name}: ${value.problem}. Ask the person: "${slot.prompt}"`);
        }
        values[slot.name] = value;
      }
      if (!lookup) {
        return success({ done: true, reply: fillTemplate(flow.response, values) ?? flow.response });
      }
      const key = normaliseKey(values[lookup.key] ?? '');
      const records = agent.lookups[flow.name] ?? [];
      const record = records.find((r) => normaliseKey(String(r[lookup.key] ?? '')) === key);
      const notFound = flow.notFound ?? flow.onFail;
      if (!record) return success({ found: false, reply: fillTemplate(notFound, values) ?? notFound });
      const templateValues: Record<string, string> = { ...values };
      for (const [field, value] of Object.entries(record)) {
        if (value !== null && value !== undefined && typeof value !== 'object')
          templateValues[`record.${field}`] = String(value);
      }
      const reply = fillTemplate(flow.response, templateValues);
      return success(reply === null ? { found: true, record } : { found: true, record, reply });
    },
  };
}

function slotSchema(slot: SlotSpec, entity: EntitySpec | undefined): Record<string, unknown> {
  const base = { description: `What the agent would ask for it: "${slot.prompt}"` };
  if (entity?.kind === 'digits') {
    const { min, max } = entity.length ?? { min: 1, max: 32 };
    const count = min === max ? `${min}` : `${min} to ${max}`;
    return { ...base, type: 'string', description: `${count} digits. ${base.description}` };
  }
  if (entity?.kind === 'number') return { ...base, type: 'number' };
  if (entity?.values) return { ...base, type: 'string', enum: entity.values.map((v) => v.value) };
  return { ...base, type: 'string' };
}

/** The slot's value from the model's argument, as the flow would hold it, or why it is unusable. */
function slotValue(raw: unknown, entity: EntitySpec | undefined): string | { problem: string } {
  if (raw === undefined || raw === null || String(raw).trim() === '') return { problem: 'missing' };
  const text = String(raw).trim();
  if (entity?.kind === 'digits') {
    const digits = text.replace(/\D/g, '');
    const { min, max } = entity.length ?? { min: 1, max: 32 };
    if (digits.length < min || digits.length > max) {
      return { problem: `needs ${min === max ? min : `${min} to ${max}`} digits, got "${text}"` };
    }
    return digits;
  }
  if (entity?.kind === 'number') {
    const n = Number(text);
    return Number.isFinite(n) ? String(n) : { problem: `not a number: "${text}"` };
  }
  if (entity?.values) {
    const wanted = text.toLowerCase();
    const match = entity.values.find(
      (v) => v.value.toLowerCase() === wanted || v.synonyms.some((s) => s.toLowerCase() === wanted),
    );
    if (match) return match.value;
    const known = entity.values
      .slice(0, 30)
      .map((v) => v.value)
      .join(', ');
    return { problem: `"${text}" is not one of: ${known}` };
  }
  return text;
}

function parseArguments(args: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(args || '{}');
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function success(result: Record<string, unknown>): ToolOutcome {
  return { content: JSON.stringify(result), ok: true };
}

function failure(error: string): ToolOutcome {
  return { content: JSON.stringify({ error }), ok: false };
}

/** "the orders records" for `lookups/orders.yaml`. */
function recordKind(file: string): string {
  return `the ${path
    .basename(file)
    .replace(/\.[^.]+$/, '')
    .replaceAll(/[_-]+/g, ' ')} records`;
}

/** Lookup keys compare without case, spaces or dashes, as in the flow: "AB-12 3" finds "ab123". */
function normaliseKey(value: string): string {
  return value.toLowerCase().replace(/[\s-]+/g, '');
}
