import { basename, resolve } from 'node:path';
import type { AgentSpec } from '@visemo/core';
import { type AgentRuntime, flagsFileFor, ModelSelection, SessionFlags, Tracing } from '@visemo/server';
import type { Storage } from '@visemo/storage';

/** What `visemo serve` runs beside the agent: tracing, feature flags and the model registry. */
export interface Operations {
  tracing: Tracing;
  flags: SessionFlags;
  /** Null without storage (`--no-storage`): sessions run what the process built. */
  models: ModelSelection | null;
  close(): Promise<void>;
}

/**
 * Tracing (recent turns in memory; OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set), the flags of
 * VISEMO_FLAGS or the agent's flags.yaml, and the model versions of the storage's registry.
 */
export async function startOperations(options: {
  agentDir: string;
  spec: AgentSpec;
  runtime: AgentRuntime;
  storage: Storage | null;
  log: (line: string) => void;
}): Promise<Operations> {
  const { agentDir, spec, runtime, storage, log } = options;
  const tracing = new Tracing();
  if (tracing.otlpEndpoint) log(`traces go to ${tracing.otlpEndpoint}`);
  const file = flagsFileFor(agentDir, process.env);
  const flags = await SessionFlags.open(file ? { file } : {});
  if (file) log(`feature flags from ${file}`);
  const models = storage
    ? await ModelSelection.start({
        registry: storage.models,
        agent: runtime.agent?.id ?? basename(resolve(agentDir)),
        spec,
        runtime,
        onWarning: (message) => log(`warning: ${message}`),
      })
    : null;
  if (models) {
    const running = Object.entries(models.current().versions).map(([kind, v]) => `${kind} v${v?.version}`);
    log(`models: ${running.join(', ')}`);
  }
  return {
    tracing,
    flags,
    models,
    close: async () => {
      models?.close();
      await flags.close();
      await tracing.shutdown();
    },
  };
}
