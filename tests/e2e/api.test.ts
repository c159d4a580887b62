import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareFixtureDataDir } from '../helpers/fixture-data-dir';
import { sessionOf } from '../helpers/http';
import {
	childEnv,
	makeTempDir,
	runCli,
	startServer,
	stopAllChildren,
	type ServerProcess
} from '../helpers/processes';

// GET /api/v1/metrics and /api/v1/metrics/<id> on the built server with the fixture company: the
// same JSON as `cx metric <id> --json` (run beside the server, through its socket), JSON errors
// with their statuses, and no answer without a session.

let dataDir: string;
let server: ServerProcess;
let token: string;

beforeAll(async () => {
	dataDir = makeTempDir('cx-api-');
	await prepareFixtureDataDir(dataDir, new Date());
	server = await startServer(childEnv({ CX_DATA_DIR: dataDir }));
	token = await sessionOf(server.url, 'viewer@example.com');
});

afterAll(async () => {
	await stopAllChildren();
	if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function api(target: string, session: string | null = token) {
	const response = await fetch(`${server.url}${target}`, {
		headers: session ? { cookie: `cx_session=${session}` } : {},
		redirect: 'manual'
	});
	const type = response.headers.get('content-type') ?? '';
	return {
		status: response.status,
		type,
		body: type.includes('json') ? ((await response.json()) as Record<string, unknown>) : null
	};
}

describe('GET /api/v1/metrics', () => {
	it('lists the catalog with definitions', async () => {
		const answer = await api('/api/v1/metrics');
		expect(answer.status).toBe(200);
		const metrics = answer.body?.metrics as { id: string; definition: string; href: string }[];
		expect(metrics.map((m) => m.id)).toEqual([
			'active-customers',
			'repeat-purchase-rate',
			'churn-rate',
			'net-revenue-retention',
			'average-order-value',
			'purchase-frequency',
			'raw-open-rate',
			'human-open-rate',
			'human-engagement-rate',
			'click-to-delivered-rate',
			'reply-rate',
			'unsubscribe-rate',
			'complaint-rate',
			'conversion-rate',
			'revenue-per-1000-delivered',
			'multichannel-engaged-share',
			'nps',
			'csat',
			'effort-score',
			'share-of-wallet',
			'loyal-customer-share',
			'tenure',
			'open-cases',
			'cases-unresolved-7d',
			'first-contact-resolution-rate',
			'time-to-resolution',
			'case-csat',
			'reopened-rate',
			'conflicting-contacts',
			'contact-pressure-over-cap',
			'consent-violations',
			'scv-completeness',
			'high-value-at-risk',
			'revenue-at-risk',
			'average-clv',
			'purchases-today',
			'net-revenue-today',
			'new-customers-today',
			'messages-delivered-today',
			'cases-opened-today',
			'survey-answers-today',
			'cohort-retention',
			'journey-funnel',
			'journey-flow',
			'rfm-segments'
		]);
		for (const metric of metrics) {
			expect(metric.definition.length).toBeGreaterThan(20);
			expect(metric.href).toBe(`/api/v1/metrics/${metric.id}`);
		}
	});

	it('answers 401 in JSON without a session, never a redirect', async () => {
		for (const target of ['/api/v1/metrics', '/api/v1/metrics/nps']) {
			const answer = await api(target, null);
			expect(answer.status).toBe(401);
			expect(answer.body?.error).toMatch(/Sign in/);
		}
	});
});

describe('GET /api/v1/metrics/<id>', () => {
	const cases: [id: string, query: Record<string, string>][] = [
		['active-customers', {}],
		['active-customers', { from: '2026-01-01', to: '2026-03-31', compare: 'year' }],
		['repeat-purchase-rate', { from: '2025-10-01', to: '2025-10-31' }],
		['nps', { from: '2026-01-01' }]
	];

	it('gives the JSON cx metric --json prints, for periods and comparisons', async () => {
		for (const [id, query] of cases) {
			const search = new URLSearchParams(query).toString();
			const answer = await api(`/api/v1/metrics/${id}${search ? `?${search}` : ''}`);
			expect(answer.status, JSON.stringify(answer.body)).toBe(200);
			const args = ['metric', id, '--json'];
			for (const [key, value] of Object.entries(query)) args.push(`--${key}`, value);
			const cli = await runCli(args, childEnv({ CX_DATA_DIR: dataDir }));
			expect(cli.code, cli.stderr).toBe(0);
			expect(answer.body, `${id} ${search}`).toEqual(JSON.parse(cli.stdout));
		}
	});

	it('answers 404 for an unknown metric and 400 for bad parameters, in one sentence', async () => {
		const unknown = await api('/api/v1/metrics/happiness');
		expect(unknown.status).toBe(404);
		expect(unknown.body?.error).toMatch(
			/Unknown metric "happiness"; the metrics are: active-customers/
		);
		for (const [query, message] of [
			['from=2026-02-30', /2026-02-30/],
			['to=2026-03-01', /to needs from/],
			['from=2026-03-10&to=2026-03-01', /after the end date/],
			['compare=decade', /compare must be "previous" or "year"/],
			['period=month', /Unknown parameter "period"/]
		] as const) {
			const answer = await api(`/api/v1/metrics/nps?${query}`);
			expect(answer.status, query).toBe(400);
			expect(answer.type).toContain('application/json');
			expect(answer.body?.error, query).toMatch(message);
		}
	});
});
