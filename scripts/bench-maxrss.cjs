// Preloaded into benchmarked processes: prints the process's peak resident memory on exit.
process.on('exit', () => {
	process.stderr.write(`\ncx-maxrss-kb ${process.resourceUsage().maxRSS}\n`);
});
