/** Speakers whose cepstral mean is kept; the longest unheard is forgotten first (100 bytes each). */
const MAX_SPEAKERS = 4096;

/**
 * Each speaker's cepstral mean, as their last utterance left it. PocketSphinx normalises the
 * cepstrum by a running mean that it carries from one utterance of a decoder to the next; with
 * decoders pooled across sessions that mean was someone else's voice and channel: 10 sessions
 * sharing 8 decoders understood 91.7 % of 240 utterances, 95.8 % with a decoder each
 * (docs/decisions/0026-speaker-cepstral-mean.md).
 */
export class SpeakerMeans {
  private readonly means = new Map<string, string>();

  get(speaker: string): string | undefined {
    const mean = this.means.get(speaker);
    if (mean !== undefined) {
      // Most recently heard last: the first key is the one to forget.
      this.means.delete(speaker);
      this.means.set(speaker, mean);
    }
    return mean;
  }

  set(speaker: string, mean: string): void {
    this.means.delete(speaker);
    this.means.set(speaker, mean);
    if (this.means.size > MAX_SPEAKERS) {
      const oldest = this.means.keys().next().value as string;
      this.means.delete(oldest);
    }
  }
}
