-- The model registry: every model artifact an agent runs with (its NLU model, speech grammar,
-- voice, provider models), content-addressed and versioned, and which version is promoted.

-- One row per distinct artifact: the same content is never registered twice for an agent's kind.
CREATE TABLE model_versions (
  agent text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('nlu', 'grammar', 'voice', 'llm', 'asr', 'tts')),
  -- 1, 2, 3 … per agent and kind, in the order of registration.
  version integer NOT NULL CHECK (version >= 1),
  -- e.g. intent-classifier, flite:slt, openai-compatible:llama3.2.
  name text NOT NULL,
  -- sha256:<hex> of what makes the artifact: its training data or configuration, the code
  -- version, and the model's bytes where there are any.
  content_hash text NOT NULL,
  -- What rebuilds the artifact (the NLU's training data), or describes it (a provider's model).
  artifact jsonb NOT NULL DEFAULT '{}',
  -- The code version, byte counts, the provider's own model version.
  metadata jsonb NOT NULL DEFAULT '{}',
  -- Evaluation scores, e.g. {"heldOutAccuracy": 0.93}.
  eval jsonb NOT NULL DEFAULT '{}',
  registered_by text NOT NULL,
  registered_at timestamptz NOT NULL,
  PRIMARY KEY (agent, kind, version),
  UNIQUE (agent, kind, content_hash)
);

-- Append-only history of what was promoted: the version in effect for an agent's kind is found by
-- replaying it (a promotion pushes a version, a rollback returns to the one before).
CREATE TABLE model_promotions (
  id bigserial PRIMARY KEY,
  agent text NOT NULL,
  kind text NOT NULL,
  version integer NOT NULL,
  action text NOT NULL CHECK (action IN ('promote', 'rollback')),
  actor text NOT NULL,
  reason text,
  at timestamptz NOT NULL,
  FOREIGN KEY (agent, kind, version) REFERENCES model_versions (agent, kind, version)
);
CREATE INDEX model_promotions_slot ON model_promotions (agent, kind, id);

CREATE TRIGGER model_promotions_append_only BEFORE UPDATE ON model_promotions
  FOR EACH ROW EXECUTE FUNCTION visemo_refuse_update();
