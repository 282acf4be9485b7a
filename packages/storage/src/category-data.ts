import type { Queryable } from './database.js';
import type { ConsentCategory } from './records.js';

/** Deletes what a subject has stored in one consent category; returns how many rows lost it. */
export async function dropCategoryData(
  tx: Queryable,
  subjectId: string,
  category: ConsentCategory,
): Promise<number> {
  switch (category) {
    case 'transcripts':
      return clearTranscripts(tx, 'subject_id = $1', [subjectId]);
    case 'audio':
      return (await tx.query('DELETE FROM audio_recordings WHERE subject_id = $1', [subjectId])).rowCount;
    case 'memory':
      return (await tx.query('DELETE FROM memory_facts WHERE subject_id = $1', [subjectId])).rowCount;
  }
}

/**
 * Removes the text of the matching turns and keeps the rest (intent, latency), which is session
 * metadata with its own retention.
 */
export async function clearTranscripts(
  tx: Queryable,
  where: string,
  params: readonly unknown[],
): Promise<number> {
  const { rowCount } = await tx.query(
    `UPDATE turns SET user_text_enc = NULL, reply_text_enc = NULL, entities_enc = NULL, details_enc = NULL
      WHERE (${where})
        AND (user_text_enc IS NOT NULL OR reply_text_enc IS NOT NULL OR entities_enc IS NOT NULL OR details_enc IS NOT NULL)`,
    params,
  );
  return rowCount;
}
