import { describe, expect, it } from 'vitest';
import {
	checkPasswordStrength,
	DUMMY_PASSWORD_HASH,
	hashPassword,
	verifyPassword
} from './password';

const PARAMETERS = '$argon2id$v=19$m=19456,t=2,p=1$';

describe('passwords', () => {
	it('are hashed with argon2id, 19456 KiB, 2 passes, 1 lane, and a fresh salt each time', async () => {
		const first = await hashPassword('correct horse battery staple');
		const second = await hashPassword('correct horse battery staple');
		expect(first.startsWith(PARAMETERS)).toBe(true);
		expect(second.startsWith(PARAMETERS)).toBe(true);
		expect(first).not.toBe(second);
		expect(first).not.toContain('correct horse');
	});

	it('verify true for the right password and false for a wrong one', async () => {
		const stored = await hashPassword('correct horse battery staple');
		expect(await verifyPassword(stored, 'correct horse battery staple')).toBe(true);
		expect(await verifyPassword(stored, 'correct horse battery stapler')).toBe(false);
		expect(await verifyPassword(stored, '')).toBe(false);
	});

	it('verify false, without throwing, against a malformed hash', async () => {
		for (const malformed of ['', 'not a hash', '$argon2id$v=19$m=19456,t=2,p=1$AAAA$BBBB']) {
			expect(await verifyPassword(malformed, 'correct horse battery staple')).toBe(false);
		}
	});

	it('have a dummy hash with the same parameters, which is a real, verifiable hash', async () => {
		expect(DUMMY_PASSWORD_HASH.startsWith(PARAMETERS)).toBe(true);
		// same shape as a real one: 16-byte salt (22 base64 characters), 32-byte hash (43)
		expect(DUMMY_PASSWORD_HASH.slice(PARAMETERS.length)).toMatch(
			/^[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/
		);
		const real = await hashPassword('x');
		expect(DUMMY_PASSWORD_HASH.length).toBe(real.length);
		expect(await verifyPassword(DUMMY_PASSWORD_HASH, 'correct horse battery staple')).toBe(false);
	});
});

describe('password strength', () => {
	it('asks for 12 to 256 characters, counted as characters not bytes', () => {
		expect(checkPasswordStrength('elevenchars')).toBe(
			'The password must have at least 12 characters.'
		);
		expect(checkPasswordStrength('twelve chars')).toBeUndefined();
		expect(checkPasswordStrength('é'.repeat(12))).toBeUndefined();
		expect(checkPasswordStrength('😀'.repeat(11))).toMatch(/at least 12/);
		expect(checkPasswordStrength('a'.repeat(256))).toBeUndefined();
		expect(checkPasswordStrength('a'.repeat(257))).toBe(
			'The password must have at most 256 characters.'
		);
	});

	it('refuses the email address as the password, whatever its case', () => {
		expect(checkPasswordStrength('Ana.Lopez@Example.com', 'ana.lopez@example.com')).toBe(
			'The password must not be the email address.'
		);
		expect(
			checkPasswordStrength('ana.lopez@example.com!', 'ana.lopez@example.com')
		).toBeUndefined();
	});
});
