import {
  type Agent,
  type ChatMessage,
  type ChatModel,
  type ChatStreamPart,
  type DialogueContext,
  type DialogueEvent,
  type DialoguePolicy,
  type DialogueReply,
  ErrorCode,
  isAbortError,
  LlmConfigSchema,
  type LlmSpec,
  type NluResult,
  ProviderTimeoutError,
  type RespondOptions,
  type ToolCall,
  type ToolDefinition,
  type TurnSpeaker,
  VisemoError,
} from '@visemo/core';
import { AgentDialogue, type AgentReply } from '../agent-dialogue.js';
import { KnowledgeIndex } from '../knowledge-index.js';
import { ConversationHistory } from './conversation-history.js';
import { type AgentTool, flowTools, handoffTool } from './flow-tools.js';
import { SentenceGate } from './sentence-gate.js';
import { SpokenTextFilter } from './spoken-text.js';
import { knowledgeMessage, systemPrompt } from './system-prompt.js';

/** Model answers with tool calls before the dialogue stops asking: a guard against call loops. */
const MAX_TOOL_ROUNDS = 4;

export interface LlmDialogueOptions {
  model: ChatModel;
  /** The index to retrieve passages from; by default one built from the agent. */
  knowledge?: KnowledgeIndex;
  /** Overrides of the agent's `llm:` settings (whole sections). */
  settings?: Partial<LlmSpec>;
  /** What the dialogue reports: model failures and tool calls (for logs, metrics and the studio). */
  onEvent?: (event: LlmDialogueEvent) => void;
  /** Remembered slots and, for a resumed session, the conversation so far (its turns join the history). */
  context?: DialogueContext;
}

export type LlmDialogueEvent =
  | {
      type: 'llm-failed';
      model: string;
      code: string;
      /** Already redacted by the provider. */
      message: string;
      /**
       * True when the model had already given out a whole sentence: the reply ended there with a
       * `provider_stream_broken` error. Else the agent answered.
       */
      afterText: boolean;
      elapsedMs: number;
    }
  | { type: 'llm-tool-call'; tool: string; arguments: string; ok: boolean };

/**
 * Who answered: `agent` — routed to the agent's own dialogue (a confident intent, a flow waiting
 * for a slot, an utterance that was not understood); `llm` — the model; `llm-fallback` — the model
 * failed (or broke off) before its first whole sentence, and the agent's own answer was given.
 */
export type LlmRoute = 'agent' | 'llm' | 'llm-fallback';

export interface LlmReply extends DialogueReply {
  route: LlmRoute;
  /**
   * Why the model's answer is missing or incomplete. Set before `respond` resolves for
   * `llm-fallback`; set while streaming when a model reply breaks off after its first sentence
   * (its events then end with a `provider_stream_broken` error).
   */
  llmFailure?: { code: string; message: string };
  /** Sources of the knowledge passages given to the model, best first. */
  sources: string[];
  /** The agent's own reply, when it answered (`agent` and `llm-fallback`). */
  agentReply?: AgentReply;
}

/** One user turn as it goes into the history when it ends (or is cut off). */
interface OpenTurn {
  user: string;
  /** Finished tool rounds: the assistant's calls and their results. */
  rounds: ChatMessage[];
  /**
   * Text since the last tool round, as the history keeps it: of a model's reply still streaming,
   * only its whole sentences (an unfinished tail is never spoken).
   */
  text: string;
  /** Whether any text was given out in this turn. */
  spoke: boolean;
  committed: boolean;
  /** Closes the turn's model request, if it has one still open. */
  stop?: () => void;
}

/**
 * A dialogue that answers with a language model where the agent's own dialogue has no answer.
 * Confident intents and flows waiting for a slot stay deterministic (AgentDialogue); everything
 * else goes to the model with the persona's system prompt, a window of the conversation, the
 * knowledge passages retrieved for the question, and tools made from the agent's flows. When the
 * model fails before its first whole sentence (an error, a timeout, an open circuit, a stream cut
 * off), the agent's own knowledge or fallback answer is given instead; when it breaks off later,
 * the sentences said stand and the reply ends with a `provider_stream_broken` error. An unfinished
 * sentence is never given out (SentenceGate). One instance per conversation.
 */
export class LlmDialogue implements DialoguePolicy {
  /** Who said this turn's words, among several people: the agent's own replies may name them. */
  private speaker: TurnSpeaker | undefined;
  readonly history = new ConversationHistory();
  readonly settings: LlmSpec;
  /** The agent's own dialogue: routed turns and fallbacks; its flow state is the conversation's. */
  readonly agentDialogue: AgentDialogue;
  private readonly model: ChatModel;
  private readonly knowledge: KnowledgeIndex;
  private readonly tools: Map<string, AgentTool>;
  private readonly toolDefinitions: ToolDefinition[];
  /** The system prompt with the tools, and without them for a model that refused them. */
  private readonly prompts: { tools: string; plain: string };
  private readonly intents: Set<string>;
  private readonly onEvent: ((event: LlmDialogueEvent) => void) | undefined;
  /** The person's words of the turn being answered, as the model and the history get them. */
  private userMessage = '';
  private open: OpenTurn | null = null;
  /**
   * False once the model refused a request for its tools: some local models cannot take them
   * (Ollama answers 400 "… does not support tools"); the conversation goes on without.
   */
  private offersTools: boolean;

  constructor(
    private readonly agent: Agent,
    options: LlmDialogueOptions,
  ) {
    this.model = options.model;
    this.settings = { ...LlmConfigSchema.parse({}), ...agent.spec.llm, ...options.settings };
    this.knowledge = options.knowledge ?? KnowledgeIndex.fromAgent(agent);
    this.agentDialogue = new AgentDialogue(agent, {
      knowledge: this.knowledge,
      ...(options.context ? { context: options.context } : {}),
    });
    for (const turn of options.context?.history ?? []) {
      this.history.add([
        { role: 'user', content: turn.user },
        { role: 'assistant', content: turn.reply },
      ]);
    }
    const tools = [...flowTools(agent)];
    if (this.settings.handoff) tools.push(handoffTool());
    this.tools = new Map(tools.map((t) => [t.definition.name, t]));
    this.toolDefinitions = tools.map((t) => t.definition);
    this.offersTools = tools.length > 0;
    this.prompts = {
      tools: systemPrompt(agent, this.toolDefinitions, this.settings),
      plain: systemPrompt(agent, [], this.settings),
    };
    const routed = this.settings.routing.intents;
    this.intents = new Set(routed ?? agent.spec.intents.map((i) => i.name));
    this.onEvent = options.onEvent;
  }

  /** Slots filled so far: the flows' state is the agent dialogue's. */
  get slots(): Readonly<Record<string, string>> {
    return this.agentDialogue.slots;
  }

  /** The system prompt the model gets (persona, speaking rules, tool use). */
  get systemPrompt(): string {
    return this.offersTools ? this.prompts.tools : this.prompts.plain;
  }

  /** The tools the model is offered. */
  get toolset(): readonly ToolDefinition[] {
    return this.toolDefinitions;
  }

  greeting(): DialogueReply {
    // The greeting is in the system prompt; the history starts with the person's first message.
    return this.agentDialogue.greeting();
  }

  /**
   * Resolves once the reply's first event is known: at once for the agent's own answers, at the
   * model's first whole sentence (or hand-off) for the model, so a model that fails or breaks off
   * before it is replaced by the agent's answer before anything was said. Aborting `signal`
   * (barge-in) closes the model's upstream request.
   */
  async respond(nlu: NluResult, options: RespondOptions = {}): Promise<LlmReply> {
    this.commitOpenTurn();
    // With several speakers, the model reads who says what ("Speaker 2: …", "Bo: …") and can address them.
    this.userMessage = options.speaker ? `${options.speaker.name}: ${nlu.text}` : nlu.text;
    this.speaker = options.speaker;
    if (this.routesToAgent(nlu)) return this.agentTurn(nlu, 'agent', options.signal);
    return this.modelTurn(nlu, options.signal);
  }

  /**
   * What the person actually heard of the last reply (e.g. `turn.end`'s `spokenText` after a
   * barge-in): the history keeps that instead of everything the dialogue produced.
   */
  replyHeard(text: string): void {
    this.history.replaceLastReply(text.trim());
  }

  private routesToAgent(nlu: NluResult): boolean {
    if (this.agentDialogue.pendingFlow) return true;
    if (nlu.text.trim() === '') return true;
    if (!nlu.intent || !this.intents.has(nlu.intent)) return false;
    // Below the NLU threshold the agent would not act on the intent either.
    const threshold = Math.max(
      this.settings.routing.intentThreshold ?? this.agent.spec.nlu.threshold,
      this.agent.spec.nlu.threshold,
    );
    return nlu.confidence >= threshold;
  }

  private agentTurn(
    nlu: NluResult,
    route: LlmRoute,
    signal: AbortSignal | undefined,
    extra: Pick<LlmReply, 'llmFailure' | 'sources'> = { sources: [] },
  ): LlmReply {
    const turn = this.openTurn(this.userMessage);
    const agentReply = this.agentDialogue.respond(nlu, {
      ...(signal ? { signal } : {}),
      ...(this.speaker ? { speaker: this.speaker } : {}),
    });
    const reply: LlmReply = {
      answeredBy: agentReply.answeredBy,
      route,
      sources: extra.sources,
      agentReply,
      events: this.recordEvents(agentReply.events, turn, signal),
    };
    if (agentReply.source !== undefined) reply.source = agentReply.source;
    if (agentReply.flow) reply.flow = agentReply.flow;
    if (extra.llmFailure) reply.llmFailure = extra.llmFailure;
    return reply;
  }

  private async modelTurn(nlu: NluResult, signal: AbortSignal | undefined): Promise<LlmReply> {
    const started = performance.now();
    const { settings } = this;
    const hits =
      settings.knowledge.topK > 0
        ? this.knowledge
            .search(nlu.text, settings.knowledge.topK)
            .filter((h) => h.score >= settings.knowledge.minScore)
        : [];
    const sources = hits.map((h) => h.source);
    const messages: ChatMessage[] = [
      { role: 'system', content: this.systemPrompt },
      ...this.history.window(settings.history),
      { role: 'system', content: knowledgeMessage(hits) },
      { role: 'user', content: this.userMessage },
    ];

    const turn = this.openTurn(this.userMessage);
    const controller = new AbortController();
    // Barge-in: close the upstream request, and keep in the history what was said until now.
    const onAbort = () => {
      controller.abort(signal?.reason);
      this.commit(turn);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    turn.stop = () => controller.abort(new VisemoError(ErrorCode.Aborted, 'the next turn began'));
    const release = () => signal?.removeEventListener('abort', onAbort);
    const events = this.modelEvents(messages, turn, controller, started)[Symbol.asyncIterator]();

    let first: IteratorResult<DialogueEvent>;
    try {
      if (signal?.aborted) throw new VisemoError(ErrorCode.Aborted, 'the turn was aborted');
      first = await events.next();
      if (first.done) {
        throw new VisemoError(ErrorCode.ProviderFailed, `${this.model.name}: the model gave an empty answer`);
      }
    } catch (error) {
      controller.abort(error);
      release();
      void events.return?.(undefined).catch(() => {});
      if (signal?.aborted) {
        this.commit(turn);
        return { answeredBy: 'llm', route: 'llm', sources, events: empty() };
      }
      // Nothing was said: the turn is told again, without tools if the model refused them, else
      // by the agent's own dialogue.
      turn.committed = true;
      this.open = null;
      const llmFailure = this.failure(error, false, started);
      if (this.offersTools && refusesTools(error)) {
        this.offersTools = false;
        return this.modelTurn(nlu, signal);
      }
      return this.agentTurn(nlu, 'llm-fallback', signal, { llmFailure, sources });
    }

    const reply: LlmReply = { answeredBy: 'llm', route: 'llm', sources, events: empty() };
    reply.events = this.replyStream(first.value, events, turn, controller, signal, reply, started, release);
    return reply;
  }

  /**
   * The model's events after the first. When the model breaks off mid-reply the events end with a
   * `provider_stream_broken` error: the sentences given out stand (another answer would repeat or
   * contradict them), the unfinished tail is not given out, and a consumer that cuts the text into
   * sentences (the server) drops what it holds of it and tells the client.
   */
  private async *replyStream(
    first: DialogueEvent,
    events: AsyncIterator<DialogueEvent>,
    turn: OpenTurn,
    controller: AbortController,
    signal: AbortSignal | undefined,
    reply: LlmReply,
    started: number,
    release: () => void,
  ): AsyncGenerator<DialogueEvent> {
    let finished = false;
    try {
      if (signal?.aborted) return;
      yield { type: 'expression', expression: this.agent.spec.persona.expression };
      yield first;
      for (;;) {
        if (signal?.aborted) return;
        let next: IteratorResult<DialogueEvent>;
        try {
          next = await events.next();
        } catch (error) {
          if (signal?.aborted || (isAbortError(error) && controller.signal.aborted)) return;
          reply.llmFailure = this.failure(error, true, started);
          throw brokenOff(this.model.name, error);
        }
        if (next.done) break;
        yield next.value;
      }
      finished = true;
    } finally {
      // A consumer that stops early (barge-in) must not leave the upstream request open.
      if (!finished) controller.abort(signal?.reason);
      void events.return?.(undefined).catch(() => {});
      release();
      this.commit(turn);
    }
  }

  /**
   * Streams the model's answer as dialogue events, running the tools it calls and asking again
   * with their results. Throws when the model fails or misses its deadline.
   */
  private async *modelEvents(
    messages: ChatMessage[],
    turn: OpenTurn,
    controller: AbortController,
    started: number,
  ): AsyncGenerator<DialogueEvent> {
    const { settings } = this;
    const filter = new SpokenTextFilter();
    const gate = new SentenceGate();
    // Where in the gate's text the current tool round's text begins: the history keeps each
    // round's text beside its calls.
    let roundStart = 0;
    let afterRound = false;
    let handedOff = false;
    /** The turn's text for the history: whole sentences only, until the reply has ended. */
    const keep = (whole: boolean) => {
      const end = whole ? gate.text.length : Math.max(roundStart, gate.completeLength);
      turn.text = gate.text.slice(roundStart, end);
      turn.spoke = gate.open;
    };
    const say = (raw: string): string[] => {
      let text = filter.push(raw);
      if (!text) return [];
      // Text after a tool round continues the reply: keep a space between the two parts.
      if (afterRound && gate.text !== '' && !/\s$/.test(gate.text) && !/^\s/.test(text)) text = ` ${text}`;
      afterRound = false;
      const out = gate.push(text);
      keep(false);
      return out;
    };
    for (let round = 0; round < MAX_TOOL_ROUNDS; round++) {
      const stream = this.model.stream({
        messages,
        tools: this.offersTools ? this.toolDefinitions : undefined,
        temperature: settings.temperature,
        maxTokens: settings.maxTokens,
        signal: controller.signal,
      });
      const parts = stream[Symbol.asyncIterator]();
      let raw = '';
      const calls: ToolCall[] = [];
      let finished = false;
      try {
        for (;;) {
          // Until text is given out the whole turn has one budget (tool rounds included); after
          // that, each part has its own.
          const wait = gate.open ? settings.timeoutMs : settings.timeoutMs - (performance.now() - started);
          const next = await this.nextPart(parts, wait, controller);
          if (next.done) break;
          const part = next.value;
          if (part.type === 'text-delta') {
            raw += part.text;
            for (const text of say(part.text)) yield { type: 'text', text };
          } else if (part.type === 'tool-call') {
            calls.push(part.call);
          }
        }
        finished = true;
      } finally {
        if (!finished) void parts.return?.(undefined).catch(() => {});
      }
      if (calls.length === 0) break;

      const results: ChatMessage[] = [];
      for (const call of calls) {
        const tool = this.tools.get(call.name);
        const outcome = tool
          ? tool.run(call.arguments)
          : { content: JSON.stringify({ error: `there is no tool named ${call.name}` }), ok: false };
        this.emit({ type: 'llm-tool-call', tool: call.name, arguments: call.arguments, ok: outcome.ok });
        if ('handoff' in outcome && outcome.handoff && !handedOff) {
          handedOff = true;
          yield { type: 'handoff', reason: 'handoff_to_human' };
        }
        results.push({ role: 'tool', toolCallId: call.id, content: outcome.content });
      }
      const round_: ChatMessage[] = [
        { role: 'assistant', content: raw || null, toolCalls: calls },
        ...results,
      ];
      messages.push(...round_);
      turn.rounds.push(...round_);
      roundStart = gate.text.length;
      afterRound = true;
      keep(false);
      if (round === MAX_TOOL_ROUNDS - 1) {
        throw new VisemoError(
          ErrorCode.ProviderFailed,
          `${this.model.name}: still calling tools after ${MAX_TOOL_ROUNDS} rounds`,
        );
      }
    }
    const rest = filter.flush();
    const last = rest ? gate.push(rest) : [];
    const held = gate.end();
    keep(true);
    for (const text of [...last, ...held]) yield { type: 'text', text };
  }

  /** The next streamed part, or a ProviderTimeoutError (and an abort upstream) after `ms`. */
  private async nextPart(
    parts: AsyncIterator<ChatStreamPart>,
    ms: number,
    controller: AbortController,
  ): Promise<IteratorResult<ChatStreamPart>> {
    const budget = Math.max(0, Math.round(ms));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const next = parts.next();
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new ProviderTimeoutError(this.model.name, budget);
        // The abort reaches fetch, which closes the upstream request.
        controller.abort(error);
        reject(error);
      }, budget);
    });
    // After a timeout the abandoned call rejects too; nobody waits for it any more.
    next.catch(() => {});
    try {
      return await Promise.race([next, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Passes the agent's events through, keeping their text for the history. */
  private async *recordEvents(
    events: AsyncIterable<DialogueEvent>,
    turn: OpenTurn,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<DialogueEvent> {
    const onAbort = () => this.commit(turn);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const event of events) {
        if (event.type === 'text' && !turn.committed) {
          turn.text += event.text;
          turn.spoke = true;
        }
        yield event;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.commit(turn);
    }
  }

  private openTurn(user: string): OpenTurn {
    const turn: OpenTurn = { user: user.trim(), rounds: [], text: '', spoke: false, committed: false };
    this.open = turn;
    return turn;
  }

  /**
   * A turn still open when the next one starts (its reply was never read to the end) goes in now,
   * and its model request is closed.
   */
  private commitOpenTurn(): void {
    const open = this.open;
    if (!open) return;
    open.stop?.();
    this.commit(open);
  }

  private commit(turn: OpenTurn): void {
    if (turn.committed) return;
    turn.committed = true;
    if (this.open === turn) this.open = null;
    const messages: ChatMessage[] = [];
    if (turn.user) messages.push({ role: 'user', content: turn.user });
    messages.push(...turn.rounds);
    const text = turn.text.trim();
    if (text) messages.push({ role: 'assistant', content: text });
    this.history.add(messages);
  }

  private failure(error: unknown, afterText: boolean, started: number): { code: string; message: string } {
    const code = error instanceof VisemoError ? error.code : ErrorCode.ProviderFailed;
    const message = error instanceof Error ? error.message : String(error);
    this.emit({
      type: 'llm-failed',
      model: this.model.name,
      code,
      message,
      afterText,
      elapsedMs: Math.round(performance.now() - started),
    });
    return { code, message };
  }

  private emit(event: LlmDialogueEvent): void {
    try {
      this.onEvent?.(event);
    } catch {
      // A broken metrics hook must not fail a user's turn.
    }
  }
}

async function* empty(): AsyncGenerator<DialogueEvent> {}

/** The error that ends a reply the model broke off after it had started. */
function brokenOff(model: string, error: unknown): VisemoError {
  if (error instanceof VisemoError && error.code === ErrorCode.ProviderStreamBroken) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new VisemoError(ErrorCode.ProviderStreamBroken, `${model}: the reply broke off: ${message}`, {
    cause: error,
  });
}

/** A request refused (4xx) because of its tools, e.g. a model without tool support. */
function refusesTools(error: unknown): boolean {
  const failures = error instanceof Error && Array.isArray(error.cause) ? error.cause : [error];
  return failures.some(
    (f) => f instanceof VisemoError && f.code === ErrorCode.ProviderRejected && /\btools?\b/i.test(f.message),
  );
}
