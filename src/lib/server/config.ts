import path from 'node:path';

export type DatabaseConfig =
	| {
			kind: 'postgres';
			url: string;
			/** Connections in the pool (default 10). */ poolSize?: number;
	  }
	| { kind: 'pglite'; dataDir: string | 'memory://' };

export const MEMORY = 'memory://';

/** Where the data lives: `DATABASE_URL` (a PostgreSQL server) wins; else PGlite in `CX_DATA_DIR`. */
export function readDatabaseConfig(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
	const url = env.DATABASE_URL?.trim();
	if (url) return { kind: 'postgres', url };
	const dir = env.CX_DATA_DIR?.trim() || '.data';
	return { kind: 'pglite', dataDir: dir === MEMORY ? MEMORY : path.resolve(dir) };
}

/** Host, port and database of a connection string, without the user name or password. */
export function describeDatabaseUrl(url: string): string {
	try {
		const parsed = new URL(url);
		return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
	} catch {
		return 'the server named in DATABASE_URL';
	}
}

/** Cookies are Secure and `__Host-` named exactly when the app's public origin is https. */
export function isSecureOrigin(env: NodeJS.ProcessEnv = process.env): boolean {
	return (env.ORIGIN ?? '').trim().toLowerCase().startsWith('https://');
}

export function isLoopbackHost(host: string): boolean {
	let name = host.trim().toLowerCase();
	if (name.startsWith('[')) name = name.slice(1, name.indexOf(']'));
	else if (name.split(':').length === 2) name = name.slice(0, name.indexOf(':'));
	return name === 'localhost' || name === '::1' || /^127\./.test(name);
}
