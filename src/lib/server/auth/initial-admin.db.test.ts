import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { UserError } from '../errors';
import { ensureInitialAdmin } from './initial-admin';
import { verifyPassword } from './password';
import { createUser, listUsers } from './users';

let database: TestDatabase;
let scratch: string;
let messages: string[];
const log = (message: string) => messages.push(message);

beforeAll(async () => {
	database = await openTestDatabase();
	scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-initial-admin-'));
});
afterAll(async () => {
	await database.close();
	fs.rmSync(scratch, { recursive: true, force: true });
});
beforeEach(async () => {
	await database.db.deleteFrom('app_user').execute();
	messages = [];
});

const mode = (file: string) => fs.statSync(file).mode & 0o777;

async function storedUsers() {
	return database.db
		.selectFrom('app_user')
		.select(['email', 'role', 'password_hash', 'must_change_password', 'active'])
		.execute();
}

describe('the first admin', () => {
	it('gets a generated password in a file only its owner can read, and must change it', async () => {
		// a folder that does not exist yet, two levels down
		const dataDir = path.join(scratch, 'generated', 'data');
		const result = await ensureInitialAdmin(database.db, {
			email: 'Boss@Example.com',
			password: undefined,
			dataDir,
			log
		});
		const file = path.join(dataDir, 'initial-credentials.txt');
		expect(result).toEqual({ created: true, email: 'boss@example.com', credentialsFile: file });

		expect(mode(dataDir)).toBe(0o700);
		expect(mode(file)).toBe(0o600);
		const text = fs.readFileSync(file, 'utf8');
		const password = /^password: (\S+)$/m.exec(text)?.[1] ?? '';
		expect(password).toMatch(/^[a-km-np-zA-HJ-NP-Z2-9]{24}$/);
		expect(text).toMatch(/^email: boss@example\.com$/m);
		expect(text).toMatch(/sign in .*change the password/i);

		const users = await storedUsers();
		expect(users).toHaveLength(1);
		expect(users[0]).toMatchObject({
			email: 'boss@example.com',
			role: 'admin',
			must_change_password: true,
			active: true
		});
		expect(await verifyPassword(users[0]!.password_hash, password)).toBe(true);

		expect(messages).toHaveLength(1);
		expect(messages[0]).toContain(file);
		expect(messages[0]).not.toContain(password);
		expect(messages[0]).not.toMatch(/@/);
	});

	it('is created once: a second start, or any existing user, leaves everything alone', async () => {
		const dataDir = path.join(scratch, 'twice');
		await ensureInitialAdmin(database.db, { dataDir, log });
		const file = path.join(dataDir, 'initial-credentials.txt');
		const written = fs.readFileSync(file, 'utf8');
		const before = await storedUsers();

		expect(await ensureInitialAdmin(database.db, { dataDir, log })).toEqual({ created: false });
		expect(await storedUsers()).toEqual(before);
		expect(fs.readFileSync(file, 'utf8')).toBe(written);
		expect(messages).toHaveLength(1);

		await database.db.deleteFrom('app_user').execute();
		await createUser(database.db, {
			email: 'viewer@example.com',
			role: 'viewer',
			password: 'a long enough password'
		});
		expect(await ensureInitialAdmin(database.db, { dataDir: 'memory://', log })).toEqual({
			created: false
		});
		expect((await listUsers(database.db)).map((u) => u.email)).toEqual(['viewer@example.com']);
	});

	it('is created exactly once when two servers start together', async () => {
		const dataDir = path.join(scratch, 'together');
		const results = await Promise.all([
			ensureInitialAdmin(database.db, { password: 'the admin password', dataDir, log }),
			ensureInitialAdmin(database.db, { password: 'the admin password', dataDir, log })
		]);
		expect(results.filter((r) => r.created)).toHaveLength(1);
		expect(await storedUsers()).toHaveLength(1);
	});

	it('takes CX_ADMIN_EMAIL and CX_ADMIN_PASSWORD, writes no file and need not change it', async () => {
		const dataDir = path.join(scratch, 'given');
		const saved = { email: process.env.CX_ADMIN_EMAIL, password: process.env.CX_ADMIN_PASSWORD };
		process.env.CX_ADMIN_EMAIL = 'ops@example.com';
		process.env.CX_ADMIN_PASSWORD = 'chosen by the operator';
		try {
			const result = await ensureInitialAdmin(database.db, { dataDir, log });
			expect(result).toEqual({ created: true, email: 'ops@example.com' });
		} finally {
			for (const [key, value] of [
				['CX_ADMIN_EMAIL', saved.email],
				['CX_ADMIN_PASSWORD', saved.password]
			] as const) {
				if (value === undefined) delete process.env[key];
				else process.env[key] = value;
			}
		}
		expect(fs.existsSync(dataDir)).toBe(false);
		const [admin] = await storedUsers();
		expect(admin).toMatchObject({
			email: 'ops@example.com',
			role: 'admin',
			must_change_password: false
		});
		expect(await verifyPassword(admin!.password_hash, 'chosen by the operator')).toBe(true);
		expect(messages).toEqual([
			'Created the first admin account (CX_ADMIN_EMAIL, default admin@example.com) with the password from CX_ADMIN_PASSWORD.'
		]);
		expect(messages[0]).not.toContain('ops@example.com'); // no personal data in logs
	});

	it('defaults to admin@example.com', async () => {
		const saved = process.env.CX_ADMIN_EMAIL;
		delete process.env.CX_ADMIN_EMAIL;
		try {
			await ensureInitialAdmin(database.db, {
				password: 'the admin password',
				dataDir: 'memory://',
				log
			});
		} finally {
			if (saved !== undefined) process.env.CX_ADMIN_EMAIL = saved;
		}
		expect((await storedUsers()).map((u) => u.email)).toEqual(['admin@example.com']);
	});

	it('refuses a weak CX_ADMIN_PASSWORD, creating no one', async () => {
		const error = await ensureInitialAdmin(database.db, {
			password: 'admin',
			dataDir: 'memory://',
			log
		}).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(UserError);
		expect((error as UserError).message).toBe(
			'CX_ADMIN_PASSWORD was not accepted: the password must have at least 12 characters.'
		);
		expect(await storedUsers()).toEqual([]);
	});

	it('needs CX_ADMIN_PASSWORD when the data lives in memory, since the file could not be kept', async () => {
		const error = await ensureInitialAdmin(database.db, {
			password: undefined,
			dataDir: 'memory://',
			log
		}).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(UserError);
		expect((error as UserError).message).toBe(
			'CX_ADMIN_PASSWORD is required when CX_DATA_DIR is memory://, because a generated password could not be saved anywhere.'
		);
		expect((error as UserError).exitCode).toBe(1);
		expect(await storedUsers()).toEqual([]);
		expect(messages).toEqual([]);
	});

	it('creates no admin when the credentials file cannot be written', async () => {
		const blocker = path.join(scratch, 'a-file-not-a-folder');
		fs.writeFileSync(blocker, '');
		const error = await ensureInitialAdmin(database.db, {
			password: undefined,
			dataDir: path.join(blocker, 'data'),
			log
		}).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(Error);
		expect(await storedUsers()).toEqual([]);
	});
});
