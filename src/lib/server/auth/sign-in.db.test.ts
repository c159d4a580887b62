import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { DUMMY_PASSWORD_HASH, verifyPassword } from './password';
import { validateSessionToken } from './session';
import { signIn } from './sign-in';
import { createLoginThrottle } from './throttle';
import { createUser, deactivateUser, findUserByEmail } from './users';

const PASSWORD = 'ana has a good password';
const NOW = new Date('2026-04-01T09:00:00Z');
const MINUTE = 60_000;
const WRONG = { status: 400, message: 'The email or password is not right.' };

let database: TestDatabase;
let anaHash: string;

beforeAll(async () => {
	database = await openTestDatabase();
	await createUser(database.db, { email: 'ana@example.com', role: 'cx_lead', password: PASSWORD });
	const carol = await createUser(database.db, {
		email: 'carol@example.com',
		role: 'viewer',
		password: PASSWORD
	});
	await deactivateUser(database.db, carol.id);
	anaHash = (await findUserByEmail(database.db, 'ana@example.com'))!.passwordHash;
});
afterAll(() => database.close());

function fakeClock() {
	let time = NOW.getTime();
	return { now: () => time, advance: (ms: number) => (time += ms) };
}

describe('signing in', () => {
	it('gives a token whose session validates, for the right password in any email case', async () => {
		const result = await signIn(
			database.db,
			createLoginThrottle(),
			{
				email: ' ANA@example.com',
				password: PASSWORD,
				ip: '192.0.2.1'
			},
			NOW
		);
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		expect(result.token).toMatch(/^[a-z2-7]{32}$/);
		expect(result.user).toEqual({
			id: result.session.userId,
			email: 'ana@example.com',
			name: null,
			role: 'cx_lead',
			mustChangePassword: false
		});
		const validated = await validateSessionToken(database.db, result.token, NOW);
		expect(validated?.session).toEqual(result.session);
		expect(validated?.user).toEqual(result.user);
	});

	it('answers an unknown email, a wrong password and an inactive user alike, one check each', async () => {
		const attempts = [
			{ email: 'nobody@example.com', password: PASSWORD, checked: DUMMY_PASSWORD_HASH },
			{ email: 'ana@example.com', password: 'not the password', checked: anaHash },
			{ email: 'carol@example.com', password: PASSWORD, checked: DUMMY_PASSWORD_HASH }
		];
		for (const { email, password, checked } of attempts) {
			const verify = vi.fn(verifyPassword);
			const result = await signIn(
				database.db,
				createLoginThrottle(),
				{ email, password, ip: '192.0.2.1' },
				NOW,
				verify
			);
			expect(result, email).toEqual({ ok: false, ...WRONG });
			expect(verify, email).toHaveBeenCalledTimes(1);
			expect(verify, email).toHaveBeenCalledWith(checked, password);
		}
	});
});

describe('throttling sign-ins', () => {
	it('refuses an account after 10 failures, even with the right password, until the window passes', async () => {
		const clock = fakeClock();
		const throttle = createLoginThrottle({ now: clock.now });
		const attempt = (password: string, verify = verifyPassword) =>
			signIn(
				database.db,
				throttle,
				{ email: 'ana@example.com', password, ip: '192.0.2.1' },
				NOW,
				verify
			);
		for (let i = 0; i < 10; i++) {
			expect(await attempt(`wrong guess ${i}`)).toEqual({ ok: false, ...WRONG });
			clock.advance(MINUTE);
		}
		const verify = vi.fn(verifyPassword);
		const throttled = await attempt(PASSWORD, verify);
		expect(throttled).toMatchObject({ ok: false, status: 429, message: WRONG.message });
		// failures at minutes 0..9, now minute 10: the first leaves the 15-minute window in 5 minutes
		expect(!throttled.ok && throttled.retryAfter).toBe(5 * 60);
		// the answer came from the throttle, before any password check
		expect(verify).not.toHaveBeenCalled();

		clock.advance(5 * MINUTE);
		const later = await attempt(PASSWORD, verify);
		expect(later.ok).toBe(true);
		expect(verify).toHaveBeenCalledTimes(1);
	});

	it('refuses an address after 50 failures across emails, but not the same email from elsewhere', async () => {
		const clock = fakeClock();
		const throttle = createLoginThrottle({ now: clock.now });
		// the throttle is under test here, not argon2: a quick, always-wrong check
		const wrong = async () => false;
		for (let i = 0; i < 50; i++) {
			const result = await signIn(
				database.db,
				throttle,
				{ email: `guess${i}@example.com`, password: 'whatever it is', ip: '203.0.113.9' },
				NOW,
				wrong
			);
			expect(result).toEqual({ ok: false, ...WRONG });
		}
		const fromThere = await signIn(
			database.db,
			throttle,
			{
				email: 'ana@example.com',
				password: PASSWORD,
				ip: '203.0.113.9'
			},
			NOW
		);
		expect(fromThere).toMatchObject({ ok: false, status: 429, retryAfter: 15 * 60 });
		const fromElsewhere = await signIn(
			database.db,
			throttle,
			{
				email: 'ana@example.com',
				password: PASSWORD,
				ip: '198.51.100.20'
			},
			NOW
		);
		expect(fromElsewhere.ok).toBe(true);
	});

	it('counts unknown emails like known ones, so being throttled reveals nothing', async () => {
		const clock = fakeClock();
		const throttle = createLoginThrottle({ now: clock.now });
		const wrong = async () => false;
		const results = [];
		for (const email of ['ana@example.com', 'nobody@example.com']) {
			for (let i = 0; i < 10; i++) {
				await signIn(
					database.db,
					throttle,
					{ email, password: 'x', ip: `192.0.2.${i}` },
					NOW,
					wrong
				);
			}
			results.push(
				await signIn(database.db, throttle, { email, password: 'x', ip: '192.0.2.99' }, NOW, wrong)
			);
		}
		expect(results[0]).toEqual(results[1]);
		expect(results[0]).toMatchObject({ status: 429 });
	});
});
