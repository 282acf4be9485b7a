import { ErrorCode, VisemoError } from '@visemo/core';
import { AlignerThread, readWav, toPipelineAudio, writeWav } from '@visemo/speech';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AdminGuard } from '../auth/admin-key.js';
import { isLoopbackAddress, isLoopbackHostHeader } from '../auth/loopback.js';
import { MAX_TEXT_CHARS } from '../protocol/limits.js';
import type { AgentRuntime } from '../runtime.js';

export interface PreviewRoutesOptions {
  runtime: AgentRuntime;
  requireAdmin: AdminGuard;
}

/** A recording to preview: a minute of 48 kHz 16-bit stereo is about 11 MB. */
const MAX_RECORDING_BYTES = 12 * 1024 * 1024;
const MAX_RECORDING_SECONDS = 60;

const CLIENT_ERRORS: ReadonlySet<ErrorCode> = new Set([ErrorCode.BadMessage, ErrorCode.BadAudio]);

/**
 * The studio's animation previewer: a sentence synthesized with the agent's voice, or a recording
 * aligned with the text it says, each with its viseme, word and phone timings. Nothing personal is
 * stored or read, so a page on this machine may ask without the admin key; anyone else needs it.
 */
export async function previewRoutes(app: FastifyInstance, options: PreviewRoutesOptions): Promise<void> {
  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    if (isLoopbackAddress(request.socket.remoteAddress) && isLoopbackHostHeader(request.headers.host)) return;
    await options.requireAdmin(request, reply);
  };
  // Encapsulated: bad input is the caller's (400), a voice or aligner that failed is not (502).
  app.setErrorHandler((error, _request, reply) => {
    if (!(error instanceof VisemoError)) return reply.send(error);
    const statusCode = CLIENT_ERRORS.has(error.code) ? 400 : 502;
    return reply.code(statusCode).send({
      statusCode,
      code: error.code,
      error: statusCode === 400 ? 'Bad Request' : 'Bad Gateway',
      message: error.message,
    });
  });
  let aligner: Promise<AlignerThread> | null = null;
  app.addHook('onClose', async () => {
    if (aligner) await (await aligner).close();
  });

  app.get('/v1/studio/voices', { preHandler: guard }, async () => ({
    voices: options.runtime.synthesizer.voices,
    default: options.runtime.persona.voice,
    look: options.runtime.persona.look ?? { character: 'maya' },
  }));

  app.post<{ Body: { text: string; voice?: string } }>(
    '/v1/studio/speech',
    {
      preHandler: guard,
      schema: {
        body: {
          type: 'object',
          required: ['text'],
          properties: {
            text: { type: 'string', minLength: 1, maxLength: MAX_TEXT_CHARS },
            voice: { type: 'string', maxLength: 64 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { synthesizer, persona } = options.runtime;
      const voice = request.body.voice ?? persona.voice;
      if (!synthesizer.voices.includes(voice)) {
        throw new VisemoError(
          ErrorCode.BadMessage,
          `unknown voice "${voice}"; voices: ${synthesizer.voices.join(', ')}`,
        );
      }
      const text = request.body.text.trim();
      const result = await synthesizer.synthesize({ text, voice });
      return {
        text,
        voice,
        voices: synthesizer.voices,
        sampleRate: result.audio.sampleRate,
        durationMs: Math.round((result.audio.samples.length / result.audio.sampleRate) * 1000),
        wav: Buffer.from(writeWav(result.audio)).toString('base64'),
        visemes: result.visemes,
        words: result.words,
        phones: result.phones ?? [],
      };
    },
  );

  // A recording arrives as its own bytes, not JSON: register the WAV types for this route only.
  await app.register(async (scope) => {
    scope.addContentTypeParser(
      ['audio/wav', 'audio/x-wav', 'audio/wave', 'application/octet-stream'],
      { parseAs: 'buffer', bodyLimit: MAX_RECORDING_BYTES },
      (_request, body, done) => done(null, body),
    );
    scope.post<{ Body: Buffer; Querystring: { text: string } }>(
      '/v1/studio/alignment',
      {
        preHandler: guard,
        bodyLimit: MAX_RECORDING_BYTES,
        schema: {
          querystring: {
            type: 'object',
            required: ['text'],
            properties: { text: { type: 'string', minLength: 1, maxLength: MAX_TEXT_CHARS } },
          },
        },
      },
      async (request) => {
        let audio: ReturnType<typeof readWav>;
        try {
          audio = readWav(new Uint8Array(request.body));
        } catch (error) {
          throw new VisemoError(
            ErrorCode.BadAudio,
            `not a WAV file this server reads: ${error instanceof Error ? error.message : error}`,
          );
        }
        const seconds = audio.samples.length / audio.sampleRate;
        if (seconds > MAX_RECORDING_SECONDS) {
          throw new VisemoError(
            ErrorCode.BadAudio,
            `the recording is ${seconds.toFixed(1)} s, over ${MAX_RECORDING_SECONDS} s`,
          );
        }
        const pcm = toPipelineAudio(audio);
        aligner ??= AlignerThread.create();
        const alignment = await (await aligner).align(pcm, request.query.text);
        return {
          text: request.query.text,
          sampleRate: audio.sampleRate,
          durationMs: Math.round(seconds * 1000),
          visemes: alignment.visemes,
          words: alignment.words,
          phones: alignment.phones,
        };
      },
    );
  });
}
