import { runCli } from '$lib/server/cli/run';

const code = await runCli(process.argv.slice(2), {
	out: (text) => process.stdout.write(text + '\n'),
	err: (text) => process.stderr.write(text.startsWith('\r') ? text : text + '\n'),
	interactive: Boolean(process.stderr.isTTY),
	env: process.env
});
process.exitCode = code;
