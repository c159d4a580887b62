export interface LoginThrottleOptions {
	now?: () => number;
	/** Failures allowed per email within the window. */
	perAccount?: number;
	/** Failures allowed per client address within the window. */
	perIp?: number;
	windowMs?: number;
	/** Most emails and most addresses remembered; the least recently failing are forgotten first. */
	maxKeys?: number;
}

export interface LoginThrottle {
	/** Seconds to wait before this email may be tried from this address; 0 when allowed now. */
	retryAfter(email: string, ip: string): number;
	recordFailure(email: string, ip: string): void;
	/** Clears the email's failures (not the address's: one good account must not reset it). */
	recordSuccess(email: string): void;
}

/**
 * Failed sign-ins in a sliding window, per email and per client address, in memory. Unknown
 * emails count like known ones, so being throttled says nothing about whether an account exists.
 */
export function createLoginThrottle({
	now = () => Date.now(),
	perAccount = 10,
	perIp = 50,
	windowMs = 15 * 60_000,
	maxKeys = 10_000
}: LoginThrottleOptions = {}): LoginThrottle {
	const accounts = createFailureLog(perAccount, windowMs, maxKeys);
	const ips = createFailureLog(perIp, windowMs, maxKeys);
	return {
		retryAfter(email, ip) {
			const time = now();
			const waitMs = Math.max(
				accounts.waitMs(accountKey(email), time),
				ips.waitMs(ipKey(ip), time)
			);
			return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
		},
		recordFailure(email, ip) {
			const time = now();
			accounts.add(accountKey(email), time);
			ips.add(ipKey(ip), time);
		},
		recordSuccess(email) {
			accounts.clear(accountKey(email));
		}
	};
}

function createFailureLog(limit: number, windowMs: number, maxKeys: number) {
	// Insertion order is recency order: a key is re-inserted on every failure.
	const failures = new Map<string, number[]>();

	function recent(key: string, time: number): number[] {
		const times = failures.get(key);
		if (!times) return [];
		const kept = times.filter((t) => t > time - windowMs);
		if (kept.length === 0) failures.delete(key);
		else if (kept.length < times.length) failures.set(key, kept);
		return kept;
	}

	// The first key failed least recently: expired keys sit at the front, and it goes first.
	function prune(time: number): void {
		for (const [key, times] of failures) {
			const expired = times[times.length - 1]! <= time - windowMs;
			if (!expired && failures.size <= maxKeys) break;
			failures.delete(key);
		}
	}

	return {
		waitMs(key: string, time: number): number {
			const times = recent(key, time);
			if (times.length < limit) return 0;
			// allowed again once all but limit - 1 of these failures have left the window
			return times[times.length - limit]! + windowMs - time;
		},
		add(key: string, time: number): void {
			// only the newest `limit` failures can ever decide a wait
			const times = [...recent(key, time), time].slice(-limit);
			failures.delete(key);
			failures.set(key, times);
			prune(time);
		},
		clear(key: string): void {
			failures.delete(key);
		}
	};
}

function accountKey(email: string): string {
	return email.trim().toLowerCase();
}

/**
 * IPv4 addresses as they are (also when written IPv4-mapped); IPv6 addresses by their /64, the
 * block one subscriber usually holds, so rotating within it does not reset the count.
 */
export function ipKey(ip: string): string {
	const address = ip.trim().toLowerCase();
	const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
	if (mapped) return mapped[1]!;
	if (!address.includes(':')) return address;
	const [head = '', tail] = address.split('%')[0]!.split('::');
	const headGroups = head ? head.split(':') : [];
	const tailGroups = tail ? tail.split(':') : [];
	const missing = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
	const groups = [...headGroups, ...Array<string>(Math.max(missing, 0)).fill('0'), ...tailGroups];
	if (groups.length !== 8 || !groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return address;
	return `${groups
		.slice(0, 4)
		.map((g) => g.replace(/^0+(?=.)/, ''))
		.join(':')}::/64`;
}
