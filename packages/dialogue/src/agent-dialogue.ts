import type {
  Agent,
  AnsweredBy,
  DialogueContext,
  DialogueEvent,
  DialoguePolicy,
  DialogueReply,
  EntityMatch,
  Expression,
  FlowSpec,
  IntentSpec,
  NluResult,
} from '@visemo/core';
import { SPEAKER_PLACEHOLDER, spokenLanguage } from '@visemo/core';
import { AnswerRouter } from './answer-router.js';
import { type KnowledgeAnswer, KnowledgeIndex } from './knowledge-index.js';
import { fillTemplate, hasPlaceholders } from './template.js';
import { moodOf } from './utterance-mood.js';

/** A reply of the agent's own dialogue: the streamed events plus what decided them. */
export interface AgentReply extends DialogueReply {
  /** The whole reply text (these replies are decided at once; `events` streams the same text). */
  text: string;
  /** The intent acted on, or null (knowledge, fallback, a slot answer without intent). */
  intent: string | null;
  /** The flow this turn worked on and where it stands after the turn. */
  flow?: FlowProgress;
  /** The conversation's slots after this turn. */
  slots: Readonly<Record<string, string>>;
}

export interface FlowProgress {
  name: string;
  /**
   * `asking`: waits for `awaiting`; `completed`: answered; `failed`: gave up after too many misses;
   * `interrupted`: another intent took over.
   */
  status: 'asking' | 'completed' | 'failed' | 'interrupted';
  awaiting?: string;
}

export interface AgentDialogueOptions {
  /** The index to answer from; by default one index per agent object, shared by its conversations. */
  knowledge?: KnowledgeIndex;
  /** Slots to start with (remembered, or restored for a resumed session); see `DialogueContext`. */
  context?: DialogueContext;
}

interface ActiveFlow {
  flow: FlowSpec;
  /** The intent that started the flow: saying it again is an answer, not an interruption. */
  startedBy: string;
  values: Record<string, string>;
  /** Misses on the slot being asked. */
  misses: number;
}

interface Plan {
  answeredBy: AnsweredBy;
  intent: string | null;
  parts: string[];
  expression: Expression;
  source?: string;
  handoff?: string;
  end?: boolean;
  flow?: FlowProgress;
}

/**
 * The dialogue of one conversation with an agent: intent replies, slot-filling flows with lookups,
 * answers from the knowledge pages, and the persona's fallback. Deterministic: the reply is decided
 * when `respond` is called, and the state moves on then. Which of intent, page and fallback answers
 * is the AnswerRouter's choice (decision 0044).
 */
export class AgentDialogue implements DialoguePolicy {
  private readonly router: AnswerRouter;
  private readonly intents: Map<string, IntentSpec>;
  private readonly flows: Map<string, FlowSpec>;
  private readonly sessionSlots: Record<string, string> = {};
  private readonly turns = new Map<string, number>();
  private active: ActiveFlow | null = null;
  private readonly returning: boolean;
  /** The name of who said this turn's words, among several people: a reply's `{speaker}`. */
  private speakerName: string | undefined;

  constructor(
    private readonly agent: Agent,
    options: AgentDialogueOptions = {},
  ) {
    this.router = sharedRouter(agent, options.knowledge ?? sharedIndex(agent));
    this.intents = new Map(agent.spec.intents.map((i) => [i.name, i]));
    this.flows = new Map(agent.spec.flows.map((f) => [f.name, f]));
    Object.assign(this.sessionSlots, options.context?.slots);
    this.returning = options.context?.returning ?? false;
  }

  /** Slots filled so far in this conversation. */
  get slots(): Readonly<Record<string, string>> {
    return { ...this.sessionSlots };
  }

  /** The flow waiting for an answer, if any. */
  get pendingFlow(): FlowProgress | null {
    const active = this.active;
    if (!active) return null;
    return { name: active.flow.name, status: 'asking', awaiting: nextSlot(active)?.name ?? '' };
  }

  /** The persona's greeting; a returning visitor's when the remembered slots fill all of it. */
  greeting(): AgentReply {
    const persona = this.agent.spec.persona;
    const welcomeBack =
      this.returning && persona.returningGreeting
        ? fillTemplate(persona.returningGreeting, this.sessionSlots)
        : null;
    return this.reply({
      answeredBy: 'greeting',
      intent: null,
      parts: [welcomeBack ?? persona.greeting],
      expression: persona.expression,
    });
  }

  respond(
    nlu: NluResult,
    options: { signal?: AbortSignal; speaker?: { id: string; name: string } } = {},
  ): AgentReply {
    this.speakerName = options.speaker?.name;
    const plan = this.plan(nlu);
    // Where nothing of the agent's chose a face, the caller's mood does: concern for a complaint.
    const mood =
      plan.expression === this.agent.spec.persona.expression
        ? moodOf(nlu.text, spokenLanguage(this.agent.spec.persona.language))
        : null;
    if (mood) plan.expression = mood;
    return this.reply(plan, options.signal);
  }

  private plan(nlu: NluResult): Plan {
    const active = this.active;
    if (active) {
      // An answer to the question asked comes first, whatever else the utterance looks like.
      const filled = fillSlots(active, nlu.entities);
      if (filled > 0) {
        active.misses = 0;
        return this.continueFlow(active, this.confidentIntent(nlu)?.name ?? null);
      }
      const route = this.router.route(nlu);
      // Another intent, or a page that answers better than a confident intent, takes over; a page
      // matching an utterance no intent claims is not enough: that is a missed answer.
      const takesOver =
        (route.path === 'intent' && route.intent?.name !== active.startedBy) ||
        route.reason === 'knowledge-covers-more';
      if (takesOver) {
        this.active = null;
        const plan = route.intent ? this.intentPlan(route.intent, nlu) : this.routedPlan(route.answer);
        // The new intent's own flow reports itself; otherwise say that the old one was left.
        plan.flow ??= { name: active.flow.name, status: 'interrupted' };
        return plan;
      }
      return this.missedSlot(active, this.confidentIntent(nlu)?.name ?? null);
    }
    const route = this.router.route(nlu);
    if (route.intent) return this.intentPlan(route.intent, nlu);
    return this.routedPlan(route.answer);
  }

  private confidentIntent(nlu: NluResult): IntentSpec | undefined {
    if (!nlu.intent || nlu.confidence < this.agent.spec.nlu.threshold) return undefined;
    return this.intents.get(nlu.intent);
  }

  private intentPlan(intent: IntentSpec, nlu: NluResult): Plan {
    const persona = this.agent.spec.persona;
    const flow = intent.flow ? this.flows.get(intent.flow) : undefined;
    const values = { ...this.sessionSlots, ...entityValues(nlu.entities) };
    const preamble = intent.responses.length > 0 ? this.pickResponse(intent, values) : null;
    if (flow) {
      const active: ActiveFlow = { flow, startedBy: intent.name, values: {}, misses: 0 };
      fillSlots(active, nlu.entities);
      this.active = active;
      const plan = this.continueFlow(active, intent.name);
      if (preamble) plan.parts.unshift(preamble);
      if (!flow.expression && intent.expression) plan.expression = intent.expression;
      return plan;
    }
    const plan: Plan = {
      answeredBy: 'intent',
      intent: intent.name,
      parts: preamble ? [preamble] : [],
      expression: intent.expression ?? persona.expression,
    };
    if (intent.handoff) plan.handoff = intent.name;
    if (intent.end) plan.end = true;
    return plan;
  }

  /** Asks the next empty slot, or answers when all are filled. */
  private continueFlow(active: ActiveFlow, intent: string | null): Plan {
    const { flow } = active;
    const expression = flow.expression ?? this.agent.spec.persona.expression;
    const slot = nextSlot(active);
    if (slot) {
      return {
        answeredBy: 'flow',
        intent,
        parts: [this.fill(slot.prompt, active.values) ?? slot.prompt],
        expression,
        flow: { name: flow.name, status: 'asking', awaiting: slot.name },
      };
    }
    this.active = null;
    Object.assign(this.sessionSlots, active.values);
    return {
      answeredBy: 'flow',
      intent,
      parts: [this.flowAnswer(flow, active.values)],
      expression,
      flow: { name: flow.name, status: 'completed' },
    };
  }

  private flowAnswer(flow: FlowSpec, slots: Record<string, string>): string {
    if (!flow.lookup) return this.fill(flow.response, slots) ?? flow.response;
    const key = normaliseKey(slots[flow.lookup.key] ?? '');
    const records = this.agent.lookups[flow.name] ?? [];
    const record = records.find((r) => normaliseKey(String(r[flow.lookup?.key ?? ''] ?? '')) === key);
    const notFound = flow.notFound ?? flow.onFail;
    if (!record) return this.fill(notFound, slots) ?? notFound;
    const values: Record<string, string> = { ...slots };
    for (const [field, value] of Object.entries(record)) {
      if (value !== null && value !== undefined && typeof value !== 'object')
        values[`record.${field}`] = String(value);
    }
    return this.fill(flow.response, values) ?? this.fill(notFound, slots) ?? notFound;
  }

  private missedSlot(active: ActiveFlow, intent: string | null): Plan {
    const slot = nextSlot(active);
    const { flow } = active;
    if (!slot) return this.continueFlow(active, intent);
    active.misses++;
    if (active.misses >= slot.maxAttempts) {
      this.active = null;
      const plan: Plan = {
        answeredBy: 'flow',
        intent,
        parts: [this.fill(flow.onFail, active.values) ?? flow.onFail],
        expression: 'concerned',
        flow: { name: flow.name, status: 'failed' },
      };
      if (flow.handoffOnFail) plan.handoff = `${flow.name}_failed`;
      return plan;
    }
    const reprompt = slot.reprompts[Math.min(active.misses, slot.reprompts.length) - 1] ?? slot.prompt;
    return {
      answeredBy: 'flow',
      intent,
      parts: [this.fill(reprompt, active.values) ?? reprompt],
      expression: flow.expression ?? this.agent.spec.persona.expression,
      flow: { name: flow.name, status: 'asking', awaiting: slot.name },
    };
  }

  /** The knowledge answer the router chose, or the persona's fallback. */
  private routedPlan(answer: KnowledgeAnswer | null): Plan {
    if (answer) {
      return {
        answeredBy: 'knowledge',
        intent: null,
        parts: [answer.text],
        expression: this.agent.spec.persona.expression,
        source: answer.source,
      };
    }
    const fallback = this.agent.spec.persona.fallback;
    return {
      answeredBy: 'fallback',
      intent: null,
      parts: [this.rotate('persona.fallback', fallback)],
      expression: 'concerned',
    };
  }

  /**
   * A reply of the intent, in turn. Replies whose placeholders this turn can fill are preferred
   * ("We ship to {country}" when a country was named); the plain ones serve otherwise.
   */
  private pickResponse(intent: IntentSpec, values: Record<string, string>): string {
    const filled = intent.responses
      .filter(hasPlaceholders)
      .map((r) => this.fill(r, values))
      .filter((r): r is string => r !== null);
    if (filled.length > 0) return this.rotate(`intent.${intent.name}.filled`, filled);
    const plain = intent.responses.filter((r) => !hasPlaceholders(r));
    return this.rotate(`intent.${intent.name}`, plain.length > 0 ? plain : intent.responses);
  }

  /** Fills a reply template from `values` and, among several people, `{speaker}`. */
  private fill(template: string, values: Readonly<Record<string, string>>): string | null {
    const name = this.speakerName;
    return fillTemplate(template, name === undefined ? values : { ...values, [SPEAKER_PLACEHOLDER]: name });
  }

  private rotate(key: string, options: readonly string[]): string {
    const turn = this.turns.get(key) ?? 0;
    this.turns.set(key, turn + 1);
    return options[turn % options.length] ?? '';
  }

  private reply(plan: Plan, signal?: AbortSignal): AgentReply {
    const text = plan.parts.filter(Boolean).join(' ');
    const reply: AgentReply = {
      answeredBy: plan.answeredBy,
      text,
      intent: plan.intent,
      slots: this.slots,
      events: replyEvents(plan, signal),
    };
    if (plan.source !== undefined) reply.source = plan.source;
    if (plan.flow) reply.flow = plan.flow;
    return reply;
  }
}

/** One router per knowledge index and agent: word statistics, shared by the conversations. */
const routers = new WeakMap<KnowledgeIndex, AnswerRouter>();
function sharedRouter(agent: Agent, index: KnowledgeIndex): AnswerRouter {
  let router = routers.get(index);
  if (router?.agent !== agent) {
    router = new AnswerRouter(agent, index);
    routers.set(index, router);
  }
  return router;
}

/** One index per loaded agent, built by its first conversation (about 15 ms for 70 passages). */
const indexes = new WeakMap<Agent, KnowledgeIndex>();
function sharedIndex(agent: Agent): KnowledgeIndex {
  let index = indexes.get(agent);
  if (!index) {
    index = KnowledgeIndex.fromAgent(agent);
    indexes.set(agent, index);
  }
  return index;
}

async function* replyEvents(plan: Plan, signal?: AbortSignal): AsyncGenerator<DialogueEvent> {
  const events: DialogueEvent[] = [{ type: 'expression', expression: plan.expression }];
  // Text events are deltas: the parts carry the space between them, so concatenation reads right.
  plan.parts.filter(Boolean).forEach((part, i) => {
    events.push({ type: 'text', text: i === 0 ? part : ` ${part}` });
  });
  if (plan.handoff) events.push({ type: 'handoff', reason: plan.handoff });
  if (plan.end) events.push({ type: 'end' });
  for (const event of events) {
    if (signal?.aborted) return;
    yield event;
  }
}

function nextSlot(active: ActiveFlow) {
  return active.flow.slots.find((s) => active.values[s.name] === undefined);
}

/**
 * Fills empty slots of the flow from the utterance's entities, the slot being asked first; each
 * entity match fills one slot at most. Returns how many slots it filled.
 */
function fillSlots(active: ActiveFlow, entities: readonly EntityMatch[]): number {
  const used = new Set<EntityMatch>();
  const empty = active.flow.slots.filter((s) => active.values[s.name] === undefined);
  let filled = 0;
  for (const slot of empty) {
    const match = entities.find((e) => e.entity === slot.entity && !used.has(e));
    if (!match) continue;
    used.add(match);
    active.values[slot.name] = match.value;
    filled++;
  }
  return filled;
}

function entityValues(entities: readonly EntityMatch[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const e of entities) values[e.entity] ??= e.value;
  return values;
}

/** Lookup keys compare without case, spaces or dashes: "AB-12 3" finds "ab123". */
function normaliseKey(value: string): string {
  return value.toLowerCase().replace(/[\s-]+/g, '');
}
