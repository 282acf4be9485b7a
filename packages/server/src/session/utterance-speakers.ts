import { PIPELINE_SAMPLE_RATE, type Speaker, type TurnSpeaker } from '@visemo/core';
import { SpeakerTracker, voicePrint } from '@visemo/speech';

/**
 * Who said each utterance of one microphone (`speech.speakers: detect`): `v1`/"Speaker 1" for the
 * first voice heard, `v2` for the next, and so on, from the utterance's own audio. One per session;
 * utterances are labelled in the order they were spoken.
 */
export class UtteranceSpeakers {
  private readonly tracker = new SpeakerTracker();

  /** The speaker of `samples` (the utterance at 16 kHz); never throws. */
  label(samples: Int16Array): TurnSpeaker {
    const decision = this.tracker.assign(voicePrint({ samples, sampleRate: PIPELINE_SAMPLE_RATE }));
    return { id: `v${decision.speaker}`, name: `Speaker ${decision.speaker}`, changed: decision.changed };
  }
}

/** The part of a turn's speaker that `transcript.final` and the transcript carry. */
export function speakerLabel(speaker: TurnSpeaker): Speaker {
  return { id: speaker.id, name: speaker.name };
}

/** Whether a speaker is a voice told apart on one microphone (`v1`…), not a participant (`p1`…). */
export function isVoiceLabel(speaker: Speaker): boolean {
  return /^v\d+$/.test(speaker.id);
}
