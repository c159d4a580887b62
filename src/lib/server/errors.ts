/**
 * An error whose message is one sentence meant for the person running the command center. The CLI
 * prints it without a stack trace and exits with `exitCode`; the server shows it as the error page.
 */
export class UserError extends Error {
	readonly exitCode: number;

	constructor(message: string, exitCode = 1) {
		super(message);
		this.name = 'UserError';
		this.exitCode = exitCode;
	}
}

export const EXIT = {
	ok: 0,
	failed: 1,
	usage: 2,
	rejectedRows: 3
} as const;
