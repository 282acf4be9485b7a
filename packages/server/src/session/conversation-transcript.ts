import type { Speaker } from '@visemo/core';

export interface TranscriptEntry {
  turnId: number;
  role: 'user' | 'agent';
  text: string;
  interrupted?: boolean;
  /** Who said a user entry, where the conversation has several people. */
  speaker?: Speaker;
}

/**
 * What was said in one conversation: the person's words (empty when they were not understood) and,
 * of the agent's replies, only what the client played.
 */
export class ConversationTranscript {
  private readonly list: TranscriptEntry[] = [];

  /** The entries themselves, kept up to date as playback reports arrive. */
  get entries(): readonly TranscriptEntry[] {
    return this.list;
  }

  /** A copy of every entry, for the `transcript` event. */
  copy(): TranscriptEntry[] {
    return this.list.map((e) => ({ ...e, ...(e.speaker ? { speaker: { ...e.speaker } } : {}) }));
  }

  /** Starts from a resumed session's entries. */
  restore(entries: readonly TranscriptEntry[]): void {
    this.list.splice(0, this.list.length, ...entries.map((e) => ({ ...e })));
  }

  /** The last turn's id, or -1 before any. */
  lastTurnId(): number {
    return this.list.reduce((max, e) => Math.max(max, e.turnId), -1);
  }

  addUser(turnId: number, text: string, speaker?: Speaker): void {
    this.list.push({ turnId, role: 'user', text, ...(speaker ? { speaker: { ...speaker } } : {}) });
  }

  addAgent(turnId: number, text: string, interrupted: boolean): void {
    this.list.push({ turnId, role: 'agent', text, interrupted });
  }

  /** The person spoke over a turn's reply after it had been sent in full; answers the entry. */
  markInterrupted(turnId: number): TranscriptEntry | undefined {
    const entry = this.agentEntry(turnId);
    if (entry) entry.interrupted = true;
    return entry;
  }

  /**
   * Replaces a reply with the part the client played. Answers, when there is such a reply, whether
   * it was interrupted and whether it was the agent's latest: the one a dialogue's memory of the
   * conversation ends with.
   */
  replaceHeard(turnId: number, heard: string): { latest: boolean; interrupted: boolean } | null {
    const entry = this.agentEntry(turnId);
    if (!entry) return null;
    entry.text = heard;
    return {
      latest: entry === this.list.findLast((e) => e.role === 'agent'),
      interrupted: entry.interrupted ?? false,
    };
  }

  /** Whether the agent has answered turn `turnId` (the answer ended). */
  hasAnswer(turnId: number): boolean {
    return this.agentEntry(turnId) !== undefined;
  }

  private agentEntry(turnId: number): TranscriptEntry | undefined {
    return this.list.findLast((e) => e.turnId === turnId && e.role === 'agent');
  }
}
