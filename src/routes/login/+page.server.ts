import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { loginThrottle } from '$lib/server/auth/login-throttle';
import { safeRedirectTarget } from '$lib/server/auth/route-access';
import { setSessionTokenCookie } from '$lib/server/auth/session';
import { signIn } from '$lib/server/auth/sign-in';
import { isLoopbackHost, isSecureOrigin } from '$lib/server/config';
import { getDatabase } from '$lib/server/db/instance';

export const load: PageServerLoad = async ({ locals, url }) => {
	if (locals.user) redirect(303, safeRedirectTarget(url.searchParams.get('redirectTo')));
	return {
		unencrypted: url.protocol === 'http:' && !isLoopbackHost(url.host),
		redirectTo: safeRedirectTarget(url.searchParams.get('redirectTo'))
	};
};

export const actions: Actions = {
	default: async ({ request, cookies, getClientAddress, setHeaders, url }) => {
		const form = await request.formData();
		const email = String(form.get('email') ?? '').trim();
		const password = String(form.get('password') ?? '');
		if (!email || !password) {
			return fail(400, { email, message: 'Enter your email and password.' });
		}
		const { db } = await getDatabase();
		const result = await signIn(db, loginThrottle, { email, password, ip: getClientAddress() });
		if (!result.ok) {
			if (result.retryAfter) setHeaders({ 'retry-after': String(result.retryAfter) });
			return fail(result.status, { email, message: result.message });
		}
		setSessionTokenCookie(cookies, result.token, result.session.expiresAt, isSecureOrigin());
		const target = safeRedirectTarget(
			String(form.get('redirectTo') ?? url.searchParams.get('redirectTo') ?? '')
		);
		redirect(303, result.user.mustChangePassword ? '/account?change=required' : target);
	}
};
