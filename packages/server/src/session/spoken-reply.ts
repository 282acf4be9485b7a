import { type AnsweredBy, heardWords, type SynthesisResult, type WordTiming } from '@visemo/core';

/**
 * What the agent said in one turn, and how much of it the person heard. Word times are kept on the
 * turn's audio timeline (chunk offsets added), so a client's `playedMs` selects the words heard.
 */
export class SpokenReply {
  answeredBy: AnsweredBy = 'intent';
  source: string | undefined;
  private readonly texts: string[] = [];
  private readonly words: WordTiming[] = [];
  private audioMs = 0;
  private chunks = 0;
  /** performance.now() when the client is expected to have played everything sent. */
  private playbackEndsAt = 0;
  private playedMs: number | null = null;

  addText(text: string): void {
    this.texts.push(text);
  }

  /** Records a chunk sent at `now`; returns its sequence number within the turn. */
  addAudio(synthesis: SynthesisResult, now: number): number {
    const offset = this.audioMs;
    for (const w of synthesis.words) {
      this.words.push({ word: w.word, startMs: w.startMs + offset, endMs: w.endMs + offset });
    }
    const duration = (synthesis.audio.samples.length / synthesis.audio.sampleRate) * 1000;
    this.audioMs += duration;
    this.playbackEndsAt = Math.max(this.playbackEndsAt, now) + duration;
    return this.chunks++;
  }

  /** Whether the client is probably still playing this reply at `now` (it plays as it receives). */
  isPlayingAt(now: number): boolean {
    return this.chunks > 0 && now < this.playbackEndsAt;
  }

  markPlayed(playedMs: number): void {
    this.playedMs = Math.min(playedMs, this.audioMs);
  }

  /**
   * The reply as heard: all text when no audio went out (text-only), else the words whose audio was
   * played — all sent words until the client reports playback.
   */
  spokenText(): string {
    if (this.chunks === 0 || this.words.length === 0) return this.texts.join(' ');
    return heardWords(this.words, this.playedMs ?? Number.POSITIVE_INFINITY);
  }
}
