import { describe, expect, it } from 'vitest';
import { originAllowed } from '../src/auth/connection-gate.js';
import { addressKey, ConnectionCounter, KeyedRateLimiter } from '../src/auth/keyed-limits.js';
import { isLoopbackAddress, isLoopbackHost, isLoopbackHostHeader } from '../src/auth/loopback.js';

describe('KeyedRateLimiter', () => {
  it('allows a burst, then refills at its rate, per key', () => {
    let now = 0;
    const limiter = new KeyedRateLimiter({ perMinute: 6, burst: 3, now: () => now });
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([true, true, true, false]);
    expect(limiter.take('b')).toBe(true);
    now += 9_999;
    expect(limiter.take('a')).toBe(false);
    now += 1;
    expect(limiter.take('a')).toBe(true);
    expect(limiter.take('a')).toBe(false);
  });

  it('forgets keys whose bucket is full again', () => {
    let now = 0;
    const limiter = new KeyedRateLimiter({ perMinute: 60, now: () => now });
    for (let i = 0; i < 100; i++) limiter.take(`10.0.0.${i}`);
    expect(limiter.size).toBe(100);
    now += 120_000;
    limiter.take('fresh');
    expect(limiter.size).toBe(1);
  });
});

describe('ConnectionCounter', () => {
  it('holds at most max per key and frees on release', () => {
    const counter = new ConnectionCounter(2);
    expect([counter.acquire('a'), counter.acquire('a'), counter.acquire('a')]).toEqual([true, true, false]);
    expect(counter.acquire('b')).toBe(true);
    counter.release('a');
    expect(counter.count('a')).toBe(1);
    expect(counter.acquire('a')).toBe(true);
  });
});

describe('addressKey', () => {
  it('counts an IPv6 host by its /64, and IPv4 by its address', () => {
    expect(addressKey('2001:db8:aa:1::5')).toBe('2001:db8:aa:1::/64');
    expect(addressKey('2001:db8:aa:1:ffff:1:2:3')).toBe('2001:db8:aa:1::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('2001:db8:aa:2::5')).not.toBe(addressKey('2001:db8:aa:1::5'));
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('::ffff:203.0.113.9')).toBe('::ffff:203.0.113.9');
  });
});

describe('loopback', () => {
  it('knows this machine’s addresses and names', () => {
    for (const a of ['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1', '[::1]'])
      expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['10.0.0.1', '0.0.0.0', '::', '::ffff:10.0.0.1', '', undefined])
      expect(isLoopbackAddress(a), a).toBe(false);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
    expect(isLoopbackHostHeader('localhost:8080')).toBe(true);
    expect(isLoopbackHostHeader('[::1]:8080')).toBe(true);
    expect(isLoopbackHostHeader('127.0.0.1')).toBe(true);
    expect(isLoopbackHostHeader('localhost.attacker.example:8080')).toBe(false);
  });
});

describe('originAllowed', () => {
  it('admits its own origin, the listed ones, and clients without an origin', () => {
    expect(originAllowed('http://visemo.example:8080', 'visemo.example:8080', [])).toBe(true);
    expect(originAllowed('https://shop.example', 'visemo.example', ['https://shop.example'])).toBe(true);
    expect(originAllowed(undefined, 'visemo.example', [])).toBe(true);
    expect(originAllowed('https://evil.example', 'visemo.example', ['*'])).toBe(true);
  });

  it('refuses other origins, lookalikes and opaque ones', () => {
    expect(originAllowed('https://evil.example', 'visemo.example', ['https://shop.example'])).toBe(false);
    expect(
      originAllowed('https://shop.example.evil.example', 'visemo.example', ['https://shop.example']),
    ).toBe(false);
    expect(originAllowed('http://visemo.example:9090', 'visemo.example:8080', [])).toBe(false);
    expect(originAllowed('null', 'visemo.example', [])).toBe(false);
  });
});
