import { expect } from 'vitest';
import { UserError } from '$lib/server/errors';

/** The error `work` rejects with; the test fails if it does not reject with an Error. */
export async function thrownBy(work: () => Promise<unknown>): Promise<Error> {
	const error: unknown = await work().then(
		() => undefined,
		(e: unknown) => e
	);
	expect(error, 'expected the work to throw').toBeInstanceOf(Error);
	return error as Error;
}

/** The message of the UserError `work` rejects with (one sentence for a person). */
export async function userErrorMessage(work: () => Promise<unknown>): Promise<string> {
	const error = await thrownBy(work);
	expect(error).toBeInstanceOf(UserError);
	return error.message;
}
