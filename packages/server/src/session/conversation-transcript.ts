export interface TranscriptEntry {
  turnId: number;
  role: 'user' | 'agent';
  text: string;
  interrupted?: boolean;
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
    return this.list.map((e) => ({ ...e }));
  }

  addUser(turnId: number, text: string): void {
    this.list.push({ turnId, role: 'user', text });
  }

  addAgent(turnId: number, text: string, interrupted: boolean): void {
    this.list.push({ turnId, role: 'agent', text, interrupted });
  }

  /** The person spoke over a turn's reply after it had been sent in full. */
  markInterrupted(turnId: number): void {
    const entry = this.agentEntry(turnId);
    if (entry) entry.interrupted = true;
  }

  /**
   * Replaces a reply with the part the client played. Answers whether that was the agent's latest
   * reply: the one a dialogue's memory of the conversation ends with.
   */
  replaceHeard(turnId: number, heard: string): boolean {
    const entry = this.agentEntry(turnId);
    if (!entry) return false;
    entry.text = heard;
    return entry === this.list.findLast((e) => e.role === 'agent');
  }

  private agentEntry(turnId: number): TranscriptEntry | undefined {
    return this.list.findLast((e) => e.turnId === turnId && e.role === 'agent');
  }
}
