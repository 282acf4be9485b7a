import { describe, expect, it } from 'vitest';
import { ConnectionAdmission } from '../src/http/connection-admission.js';

describe('ConnectionAdmission', () => {
  it('keeps connections that have not started apart from the session cap', () => {
    const admission = new ConnectionAdmission({ maxSessions: 2, maxUnstarted: 3 });
    const evicted: number[] = [];
    const idle = [0, 1, 2].map((i) => admission.connect(() => evicted.push(i)));
    expect(admission.unstarted).toBe(3);
    // A fourth connection takes the place of the one waiting longest.
    const user = admission.connect(() => evicted.push(3));
    expect(evicted).toEqual([0]);
    expect(user.start()).toBeUndefined();
    expect(admission).toMatchObject({ sessions: 1, unstarted: 2 });
    expect(admission.connect(() => {}).start()).toBeUndefined();
    expect(admission.sessions).toBe(2);

    const third = admission.connect(() => {});
    expect(third.start()?.code).toBe('session_limit');
    user.release();
    expect(third.start()).toBeUndefined();
    // Idempotent: a second start or release counts nothing more.
    expect(third.start()).toBeUndefined();
    third.release();
    third.release();
    for (const connection of idle) connection.release();
    expect(admission.sessions).toBe(1);
  });
});
