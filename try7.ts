import { SileroVad } from './packages/speech/src/index.js';
import { fliteSpeech } from './packages/speech/test/support/speech-fixtures.js';
import { runSpeechOverEcho, trimSilence } from './packages/server/test/support/speech-over-echo.js';
const replies = [fliteSpeech('Your order left our warehouse this morning and should arrive on Thursday. You can follow it with the link in your email, or ask me again later.', 'slt'),
  fliteSpeech('We are open from nine in the morning until five in the evening on weekdays, and from ten until four on Saturdays. On Sundays the shop is closed.', 'awb')];
const bcs = { yeah: fliteSpeech('yeah', 'rms'), okay: fliteSpeech('okay', 'kal'), right: fliteSpeech('right', 'slt'), uhhuh: fliteSpeech('uh huh', 'awb') };
const paths = [40, 120, 250].flatMap((d) => [-20, -12, -6].map((l) => ({ delayMs: d, levelDb: l }))).concat([{ delayMs: 0, levelDb: -Infinity }]);
for (const [ri, reply] of replies.entries()) for (const [name, s] of Object.entries(bcs)) for (const path of paths) for (const atMs of [1200, 3000]) {
  const o = runSpeechOverEcho('echo-aware', { reply, path, speech: { samples: trimSilence(s), atMs, levelDb: 0, words: '' } }, new SileroVad());
  if (o.stoppedAtMs !== null && o.stoppedAtMs < reply.length / 16 + path.delayMs) console.log('stopped', ri, name, path.delayMs, path.levelDb, atMs, o.stoppedAtMs - atMs);
}
console.log('done');
