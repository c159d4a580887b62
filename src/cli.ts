import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { runCli } from '$lib/server/cli/run';

async function readStdin(): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
	return Buffer.concat(chunks).toString('utf8');
}

/** Reads a line from the terminal without echoing what is typed. */
async function askSecret(prompt: string): Promise<string | undefined> {
	if (!process.stdin.isTTY) return undefined;
	process.stderr.write(prompt);
	const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
	const reader = createInterface({ input: process.stdin, output: silent, terminal: true });
	try {
		return await new Promise<string>((resolve) => reader.question('', resolve));
	} finally {
		reader.close();
		process.stderr.write('\n');
	}
}

const code = await runCli(process.argv.slice(2), {
	out: (text) => process.stdout.write(text + '\n'),
	err: (text) => process.stderr.write(text.startsWith('\r') ? text : text + '\n'),
	interactive: Boolean(process.stderr.isTTY),
	env: process.env,
	readStdin,
	askSecret
});
process.exitCode = code;
