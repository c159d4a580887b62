// `npm start`: build if needed, then run the built server on 127.0.0.1 unless HOST says otherwise.
import http from 'node:http';
import { ensureBuild } from './ensure-build.js';

ensureBuild();
process.env.HOST ||= '127.0.0.1';
process.env.PORT ||= '3000';

if (!process.env.ORIGIN) {
	// Without ORIGIN, adapter-node takes the page's origin from the Host header with https as the
	// protocol, so a browser's sign-in over plain http (http://127.0.0.1:3000) would fail the
	// cross-site form check. This server speaks plain http: say so in a header of our own, set on
	// every request (a client cannot supply it). Behind an https proxy, set ORIGIN instead.
	const header = 'x-cx-served-protocol';
	process.env.PROTOCOL_HEADER = header;
	const createServer = http.createServer;
	http.createServer = (...args) => {
		const server = createServer(...args);
		server.prependListener('request', (request) => {
			request.headers[header] = 'http';
		});
		return server;
	};
}

console.log(`CX Command Center: starting on http://${process.env.HOST}:${process.env.PORT}`);
await import('../build/index.js');
