import type { ChatMessage } from '@visemo/core';

export interface HistoryWindow {
  /** Most recent turns kept. */
  turns: number;
  /** Character budget of the kept turns: whole turns only, newest first. */
  maxChars: number;
}

/**
 * What was said in a conversation, turn by turn, for the model's context. A turn is the user's
 * message with everything the agent did about it (tool calls, their results, the reply), so the
 * window never splits a tool call from its result.
 */
export class ConversationHistory {
  private readonly turns: ChatMessage[][] = [];

  /** Adds a finished turn. */
  add(messages: readonly ChatMessage[]): void {
    if (messages.length > 0) this.turns.push([...messages]);
    // Keep memory bounded in long sessions; no window reaches this far back.
    if (this.turns.length > 200) this.turns.splice(0, this.turns.length - 200);
  }

  /** Replaces the text of the last turn's final reply, e.g. with what the person actually heard. */
  replaceLastReply(text: string): void {
    const turn = this.turns.at(-1);
    const last = turn?.at(-1);
    if (!turn || !last || last.role !== 'assistant' || last.toolCalls?.length) return;
    turn[turn.length - 1] = { role: 'assistant', content: text };
  }

  /** The latest turns that fit the window, oldest first. */
  window({ turns, maxChars }: HistoryWindow): ChatMessage[] {
    const kept: ChatMessage[][] = [];
    let chars = 0;
    for (let i = this.turns.length - 1; i >= 0 && kept.length < turns; i--) {
      const turn = this.turns[i] as ChatMessage[];
      const size = turn.reduce((sum, m) => sum + messageChars(m), 0);
      if (chars + size > maxChars) break;
      kept.unshift(turn);
      chars += size;
    }
    return kept.flat();
  }

  get length(): number {
    return this.turns.length;
  }
}

function messageChars(message: ChatMessage): number {
  const calls =
    message.role === 'assistant'
      ? (message.toolCalls ?? []).reduce((sum, c) => sum + c.name.length + c.arguments.length, 0)
      : 0;
  return (message.content ?? '').length + calls;
}
