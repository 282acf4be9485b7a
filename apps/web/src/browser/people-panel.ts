import { byId } from './dom.js';

interface Person {
  id: string;
  name: string;
}

/**
 * Who is in the conversation, and, for the host, the link that invites someone else: the page's
 * own address with `?join=SESSION&invite=CODE`. The code is the only key to the conversation, so
 * the link is shown to the host alone and travels only as the host shares it.
 */
export class PeoplePanel {
  private readonly section = byId('people');
  private readonly list = byId('people-list');
  private readonly invite = byId<HTMLDetailsElement>('invite');
  private readonly link = byId<HTMLInputElement>('invite-link');
  private readonly copied = byId('invite-state');

  constructor() {
    byId('invite-copy').addEventListener('click', () => void this.copy());
  }

  /** The session started: who is in it and, for the host, the code; `null` hides the invite. */
  show(
    self: Person | null,
    people: readonly Person[],
    invite: { sessionId: string; invite: string } | null,
  ): void {
    this.update(self, people);
    this.invite.hidden = invite === null;
    this.link.value = invite ? inviteLink(invite.sessionId, invite.invite) : '';
  }

  update(self: Person | null, people: readonly Person[]): void {
    const shared = people.length > 1;
    this.section.hidden = !shared && this.invite.hidden;
    this.list.hidden = !shared;
    this.list.textContent = shared
      ? `In this conversation: ${people.map((p) => (p.id === self?.id ? `${p.name} (you)` : p.name)).join(', ')}`
      : '';
    if (!shared && !this.invite.hidden) this.section.hidden = false;
  }

  private async copy(): Promise<void> {
    this.link.select();
    try {
      await navigator.clipboard.writeText(this.link.value);
      this.copied.textContent = 'Link copied';
    } catch {
      this.copied.textContent = 'Select the link and copy it';
    }
  }
}

/** This page's address, with what a second device needs to join the conversation. */
export function inviteLink(sessionId: string, invite: string): string {
  const url = new URL(location.href);
  url.search = '';
  url.hash = '';
  url.searchParams.set('join', sessionId);
  url.searchParams.set('invite', invite);
  return url.href;
}
