import { describe, expect, it } from 'vitest';
import { createLoginThrottle, ipKey } from './throttle';

const MINUTE = 60_000;

function fakeClock(start = Date.UTC(2026, 0, 5, 9, 0)) {
	let time = start;
	return {
		now: () => time,
		advance: (ms: number) => (time += ms)
	};
}

describe('login throttle', () => {
	it('allows 10 failures per account in 15 minutes, then asks to wait until the oldest leaves', () => {
		const clock = fakeClock();
		const throttle = createLoginThrottle({ now: clock.now });
		for (let i = 0; i < 10; i++) {
			expect(throttle.retryAfter('ana@example.com', '192.0.2.1')).toBe(0);
			throttle.recordFailure('ana@example.com', '192.0.2.1');
			clock.advance(MINUTE);
		}
		// failures at minutes 0..9, now minute 10: the first leaves the window at minute 15
		expect(throttle.retryAfter('ana@example.com', '192.0.2.1')).toBe(5 * 60);
		// the account is throttled from any address, and by its email in any case
		expect(throttle.retryAfter(' ANA@example.com ', '198.51.100.7')).toBe(5 * 60);
		expect(throttle.retryAfter('bob@example.com', '192.0.2.1')).toBe(0);
		clock.advance(5 * MINUTE - 1);
		expect(throttle.retryAfter('ana@example.com', '192.0.2.1')).toBe(1);
		clock.advance(1);
		expect(throttle.retryAfter('ana@example.com', '192.0.2.1')).toBe(0);
		// one more failure fills the window again; the next to leave is minute 1's, at minute 16
		throttle.recordFailure('ana@example.com', '192.0.2.1');
		expect(throttle.retryAfter('ana@example.com', '192.0.2.1')).toBe(60);
	});

	it('allows 50 failures per address across emails', () => {
		const clock = fakeClock();
		const throttle = createLoginThrottle({ now: clock.now });
		for (let i = 0; i < 50; i++) throttle.recordFailure(`user${i}@example.com`, '203.0.113.9');
		expect(throttle.retryAfter('new@example.com', '203.0.113.9')).toBe(15 * 60);
		expect(throttle.retryAfter('new@example.com', '203.0.113.10')).toBe(0);
		clock.advance(15 * MINUTE);
		expect(throttle.retryAfter('new@example.com', '203.0.113.9')).toBe(0);
	});

	it('forgets an account’s failures on success, but not the address’s', () => {
		const throttle = createLoginThrottle({ now: fakeClock().now, perAccount: 3, perIp: 4 });
		for (let i = 0; i < 3; i++) throttle.recordFailure('ana@example.com', '192.0.2.1');
		expect(throttle.retryAfter('ana@example.com', '192.0.2.2')).toBeGreaterThan(0);
		throttle.recordSuccess('Ana@Example.com');
		expect(throttle.retryAfter('ana@example.com', '192.0.2.2')).toBe(0);
		throttle.recordFailure('bob@example.com', '192.0.2.1');
		expect(throttle.retryAfter('carol@example.com', '192.0.2.1')).toBeGreaterThan(0);
	});

	it('counts an IPv6 /64 as one address, and an IPv4-mapped address as the IPv4 one', () => {
		const throttle = createLoginThrottle({ now: fakeClock().now, perIp: 2 });
		throttle.recordFailure('a@example.com', '2001:db8:1:2::1');
		throttle.recordFailure('b@example.com', '2001:db8:1:2:ffff:ffff:ffff:ffff');
		expect(throttle.retryAfter('c@example.com', '2001:0db8:0001:0002::abcd')).toBeGreaterThan(0);
		expect(throttle.retryAfter('c@example.com', '2001:db8:1:3::1')).toBe(0);
		expect(ipKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
		expect(ipKey('192.0.2.1')).toBe('192.0.2.1');
		expect(ipKey('::1')).toBe('0:0:0:0::/64');
		expect(ipKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
		expect(ipKey('not an address')).toBe('not an address');
	});

	it('stays bounded: expired entries go first, then the least recently failing', () => {
		const clock = fakeClock();
		const throttle = createLoginThrottle({
			now: clock.now,
			perAccount: 2,
			perIp: 1000,
			maxKeys: 3
		});
		throttle.recordFailure('old@example.com', '192.0.2.1');
		clock.advance(16 * MINUTE);
		for (const name of ['a', 'b']) {
			throttle.recordFailure(`${name}@example.com`, '192.0.2.1');
			throttle.recordFailure(`${name}@example.com`, '192.0.2.1');
		}
		// a fourth key: the expired 'old' is dropped and a, b are still remembered
		throttle.recordFailure('c@example.com', '192.0.2.1');
		expect(throttle.retryAfter('a@example.com', '192.0.2.1')).toBeGreaterThan(0);
		expect(throttle.retryAfter('b@example.com', '192.0.2.1')).toBeGreaterThan(0);
		// a fifth: nothing has expired, so the least recently failing, a, is forgotten
		throttle.recordFailure('d@example.com', '192.0.2.1');
		expect(throttle.retryAfter('a@example.com', '192.0.2.1')).toBe(0);
		expect(throttle.retryAfter('b@example.com', '192.0.2.1')).toBeGreaterThan(0);
	});
});
