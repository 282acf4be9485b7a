export {
  cepstralDistance,
  pitchDistance,
  type SpeakerDecision,
  SpeakerTracker,
  type SpeakerTrackerOptions,
  type VoiceDistance,
  voiceDistance,
} from './speaker-tracker.js';
export { type VoicePrint, voicePrint } from './voice-print.js';
