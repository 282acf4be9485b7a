import { writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { ErrorCode, VisemoError } from '@visemo/core';
import type { Storage, StoredSubject } from '@visemo/storage';
import { parseCommandArgs, requireString, UsageError } from '../args.js';
import { openConfiguredStorage, purgeTable, type StorageConfig, storageLocation } from '../storage-config.js';

const HELP = `visemo data export --subject ID [-o FILE] [--no-audio] [--data-dir DIR]
visemo data erase --subject ID [--yes] [--data-dir DIR]
visemo data purge [--agent DIR]... [--data-dir DIR]

What is stored about the people who talked to the agents (docs/storage.md, docs/data-map.md),
read and changed directly in the database a server uses: DATABASE_URL, else the embedded
database in --data-dir (default ./data), with VISEMO_MASTER_KEY. Every action is audited
with the actor "cli". The embedded database is one process's: stop the server first.
  export            everything stored about one subject, decrypted, as JSON (GDPR Art. 15/20)
  erase             deletes the subject's data and destroys its key (GDPR Art. 17)
  purge             deletes what has outlived its retention now, and prints what went
  --subject ID      the subject: its stored id (a UUID) or its token subject (a_…, s_…)
  -o, --output FILE write the export there instead of to stdout
  --no-audio        leave the recordings' samples out of the export
  --yes             erase without asking
  --agent DIR       an agent folder whose privacy.retention applies to its data (repeatable);
                    other agents' data is kept for the default retention`;

export async function dataCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  const { values } = parseCommandArgs(
    rest,
    {
      subject: { type: 'string' },
      output: { type: 'string', short: 'o' },
      'no-audio': { type: 'boolean' },
      yes: { type: 'boolean' },
      agent: { type: 'string', multiple: true },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  if (values.help || action === '--help' || action === '-h') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (action !== 'export' && action !== 'erase' && action !== 'purge') {
    throw new UsageError(`visemo data takes export, erase or purge${action ? `, not "${action}"` : ''}`);
  }
  const config: StorageConfig = values['data-dir'] ? { dataDir: values['data-dir'] } : {};
  if (action === 'purge') {
    config.agents = {};
    for (const dir of values.agent ?? []) {
      // As the server stores it: by the agent folder's name.
      const { loadAgent } = await import('@visemo/dialogue');
      config.agents[basename(resolve(dir))] = (await loadAgent(dir)).spec.privacy;
    }
  }
  const subjectArg = action === 'purge' ? undefined : requireString(values.subject, '--subject');
  if (action === 'erase' && !values.yes && !(await confirmed(subjectArg as string))) {
    process.stderr.write('nothing erased\n');
    return 1;
  }

  process.stderr.write(`… opening ${storageLocation(config)}\n`);
  const storage = await openConfiguredStorage(config);
  try {
    if (action === 'purge') {
      process.stderr.write('… purging what has outlived its retention\n');
      const report = await storage.purgeExpired();
      process.stdout.write(`${purgeTable(report)}\n`);
      return 0;
    }
    const subject = await findSubject(storage, subjectArg as string);
    if (action === 'export') {
      process.stderr.write(`… exporting subject ${subject.id}\n`);
      const document = await storage.exportSubject(subject.id, {
        actor: 'cli',
        includeAudio: !values['no-audio'],
      });
      const json = `${JSON.stringify(document, null, 2)}\n`;
      if (values.output) {
        await writeFile(values.output, json, { mode: 0o600 });
        process.stderr.write(
          `wrote ${values.output}: ${document.sessions.length} session(s), ${document.memory.length} memory fact(s), ${document.audio.length} recording(s)\n`,
        );
      } else process.stdout.write(json);
      return 0;
    }
    process.stderr.write(`… erasing subject ${subject.id}\n`);
    const report = await storage.eraseSubject(subject.id, { actor: 'cli' });
    const deleted = Object.entries(report.deleted)
      .filter(([, n]) => n > 0)
      .map(([table, n]) => `${table} ${n}`)
      .join(', ');
    process.stdout.write(
      `erased subject ${subject.id} (pseudonym ${report.subjectPseudonym}): deleted ${deleted || 'nothing'}; ` +
        `${report.telemetryAnonymised} telemetry row(s) anonymised\n`,
    );
    return 0;
  } finally {
    await storage.close();
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function findSubject(storage: Storage, id: string): Promise<StoredSubject> {
  const subject = UUID.test(id)
    ? await storage.subjects.get(id)
    : await storage.subjects.findByExternalId(id);
  if (!subject) throw new VisemoError(ErrorCode.UnknownSubject, `no stored subject ${id}`);
  return subject;
}

/** Asks on a terminal; a script must say --yes. */
async function confirmed(subject: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new UsageError('erase needs --yes when not run from a terminal');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(
      `Erase everything stored about ${subject}? This cannot be undone. [y/N] `,
    );
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}
