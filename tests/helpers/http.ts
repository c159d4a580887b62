import { expect } from 'vitest';
import { FIXTURE_PASSWORD } from './fixture-data-dir';

/**
 * Requests to the built server as a browser makes them, without following redirects: cookies are
 * kept by hand and form actions are posted with an Origin header (SvelteKit's CSRF check).
 */
export interface Answer {
	status: number;
	location: string | null;
	headers: Headers;
	setCookies: string[];
	body: string;
}

export interface RequestOptions {
	/** Form fields: the request becomes a POST of application/x-www-form-urlencoded. */
	form?: Record<string, string>;
	/** The whole Cookie header. */
	cookie?: string;
	/** A session token, sent as the `cx_session` cookie. */
	token?: string;
	/** The Origin header of a POST; the server's own origin unless given. */
	origin?: string;
}

export async function call(
	base: string,
	target: string,
	options: RequestOptions = {}
): Promise<Answer> {
	// as a browser's form post: without text/html SvelteKit answers an action with JSON
	const headers: Record<string, string> = { accept: 'text/html' };
	if (options.cookie) headers.cookie = options.cookie;
	else if (options.token) headers.cookie = `cx_session=${options.token}`;
	let body: string | undefined;
	if (options.form) {
		headers['content-type'] = 'application/x-www-form-urlencoded';
		headers.origin = options.origin ?? base;
		body = new URLSearchParams(options.form).toString();
	}
	const response = await fetch(`${base}${target}`, {
		method: options.form ? 'POST' : 'GET',
		headers,
		body,
		redirect: 'manual',
		signal: AbortSignal.timeout(15_000)
	});
	return {
		status: response.status,
		location: response.headers.get('location'),
		headers: response.headers,
		setCookies: response.headers.getSetCookie(),
		body: await response.text()
	};
}

export async function signIn(
	base: string,
	email: string,
	password: string,
	{ redirectTo, origin }: { redirectTo?: string; origin?: string } = {}
): Promise<Answer> {
	return call(base, '/login', {
		form: { email, password, ...(redirectTo === undefined ? {} : { redirectTo }) },
		...(origin === undefined ? {} : { origin })
	});
}

/** Signs in (it must succeed) and returns the session token of the `cx_session` cookie. */
export async function sessionOf(
	base: string,
	email: string,
	password = FIXTURE_PASSWORD
): Promise<string> {
	const answer = await signIn(base, email, password);
	expect(answer.status, answer.body.slice(0, 300)).toBe(303);
	const cookie = answer.setCookies.find((c) => c.startsWith('cx_session='));
	expect(cookie, 'a cx_session cookie').toBeDefined();
	return cookie!.split(';')[0]!.slice('cx_session='.length);
}
