import type { Handle, ServerInit } from '@sveltejs/kit';
import { startDatabase } from '$lib/server/db/instance';
import { UserError } from '$lib/server/errors';

export const init: ServerInit = async () => {
	try {
		const database = await startDatabase();
		console.log(`CX Command Center: database ready (${database.kind}, ${database.location}).`);
	} catch (error) {
		if (error instanceof UserError) {
			console.error(error.message);
			process.exit(1);
		}
		throw error;
	}
};

export const handle: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	response.headers.set('x-content-type-options', 'nosniff');
	response.headers.set('referrer-policy', 'same-origin');
	response.headers.set('x-frame-options', 'DENY');
	return response;
};
