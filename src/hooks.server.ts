import type { Handle, ServerInit } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { ensureInitialAdmin } from '$lib/server/auth/initial-admin';
import { can } from '$lib/server/auth/permissions';
import {
	allowedWhilePasswordMustChange,
	isPublicRoute,
	routePermission
} from '$lib/server/auth/route-access';
import {
	deleteSessionTokenCookie,
	sessionCookieName,
	setSessionTokenCookie,
	validateSessionToken
} from '$lib/server/auth/session';
import { isLoopbackHost, isSecureOrigin, readDatabaseConfig } from '$lib/server/config';
import { closeDatabase, getDatabase, startDatabase } from '$lib/server/db/instance';
import { startDemo } from '$lib/server/demo/runtime';
import { startRollups } from '$lib/server/rollups/runtime';
import { abandonInterruptedFits } from '$lib/server/scoring/customer-models';
import { UserError } from '$lib/server/errors';

export const init: ServerInit = async () => {
	try {
		const database = await startDatabase();
		console.log(`CX Command Center: database ready (${database.kind}, ${database.location}).`);
		const config = readDatabaseConfig();
		const dataDir = config.kind === 'pglite' ? config.dataDir : process.env.CX_DATA_DIR || '.data';
		const log = (message: string) => console.log(message);
		await ensureInitialAdmin(database.db, { dataDir, log });
		// A fit left running by a stop of this server would block scheduled fits for an hour.
		if (database.kind === 'pglite') await abandonInterruptedFits(database.db);
		// In the background: the server answers (and `/` shows progress) while the demo is written.
		await startDemo(database.db, { dataDir, log });
		// Rollups: built on first start, then kept current from whatever process writes data.
		// CX_MODEL_FITS=0 leaves the customer models to `cx model fit` alone.
		startRollups(database.db, { log, fitModels: process.env.CX_MODEL_FITS !== '0' });
		warnIfUnencrypted();
	} catch (error) {
		// One sentence, no stack trace; the database is closed so its folder is not left locked.
		const message = error instanceof Error ? error.message : String(error);
		console.error(
			error instanceof UserError ? message : `The command center could not start: ${message}`
		);
		await closeDatabase().catch(() => undefined);
		process.exit(1);
	}
};

function warnIfUnencrypted(): void {
	// `npm start` sets HOST=127.0.0.1; adapter-node alone listens on every interface.
	const host = process.env.HOST || '0.0.0.0';
	if (!isSecureOrigin() && !isLoopbackHost(host)) {
		console.warn(
			`Warning: listening on ${host} over plain http, so passwords and session cookies cross the network unencrypted; serve the command center behind https and set ORIGIN=https://… .`
		);
	}
}

/** Fills `locals` from the session cookie, sliding the cookie's expiry with the session's. */
const authenticate: Handle = async ({ event, resolve }) => {
	event.locals.user = null;
	event.locals.session = null;
	const secure = isSecureOrigin();
	const token = event.cookies.get(sessionCookieName(secure));
	if (token) {
		const { db } = await getDatabase();
		const result = await validateSessionToken(db, token);
		if (result) {
			event.locals.user = result.user;
			event.locals.session = result.session;
			setSessionTokenCookie(event.cookies, token, result.session.expiresAt, secure);
		} else {
			deleteSessionTokenCookie(event.cookies, secure);
		}
	}
	return resolve(event);
};

/** Every app route and action: signed in, password changed if it must be, and allowed by role. */
const guard: Handle = async ({ event, resolve }) => {
	const routeId = event.route.id;
	if (routeId === null || isPublicRoute(routeId)) return resolve(event);
	// The API answers in JSON with a status, never with a redirect to a page.
	const api = routeId.startsWith('/api/');
	const user = event.locals.user;
	if (!user) {
		if (api) return apiError(401, 'Sign in first: the API uses the session of a signed-in user.');
		const target = event.url.pathname + event.url.search;
		const query = target === '/' ? '' : `?redirectTo=${encodeURIComponent(target)}`;
		return redirect(`/login${query}`);
	}
	if (user.mustChangePassword && !allowedWhilePasswordMustChange(routeId)) {
		if (api) return apiError(403, 'Change your generated password on the Account page first.');
		return redirect('/account?change=required');
	}
	const permission = routePermission(routeId);
	if (!permission || !can(user.role, permission)) {
		if (api) return apiError(403, 'Your role does not allow this.');
		return new Response('Your role does not allow this page.', {
			status: 403,
			headers: { 'content-type': 'text/plain; charset=utf-8' }
		});
	}
	return resolve(event);
};

function apiError(status: number, message: string): Response {
	return new Response(JSON.stringify({ error: message }), {
		status,
		headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }
	});
}

function redirect(location: string): Response {
	return new Response(null, { status: 303, headers: { location, 'cache-control': 'no-store' } });
}

const securityHeaders: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	response.headers.set('x-content-type-options', 'nosniff');
	response.headers.set('referrer-policy', 'same-origin');
	response.headers.set('x-frame-options', 'DENY');
	if (event.locals.user) response.headers.set('cache-control', 'private, no-store');
	return response;
};

export const handle = sequence(securityHeaders, authenticate, guard);
