import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { can, ROLES, type Role } from './permissions';
import {
	allowedWhilePasswordMustChange,
	isPublicRoute,
	routePermission,
	safeRedirectTarget
} from './route-access';

const ROUTES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../routes');

/** A file that makes its folder a route: a page (with or without its server load) or an endpoint. */
const ROUTE_FILE = /^\+(page(\.server)?\.(svelte|ts|js)|server\.(ts|js))$/;

/**
 * Every route id under src/routes, as SvelteKit gives it in `event.route.id` (which hooks.server.ts
 * looks up): the folder path from src/routes, '/' for the root. `(group)` folders stay in the id,
 * as they do in SvelteKit's; stripping them here would hide a table key that never matches.
 */
function scanRouteIds(dir = ROUTES_DIR, id = ''): string[] {
	const ids: string[] = [];
	const entries = fs.readdirSync(dir, { withFileTypes: true });
	if (entries.some((entry) => entry.isFile() && ROUTE_FILE.test(entry.name))) ids.push(id || '/');
	for (const entry of entries) {
		if (entry.isDirectory())
			ids.push(...scanRouteIds(path.join(dir, entry.name), `${id}/${entry.name}`));
	}
	return ids;
}

type Access = 'public' | Record<Role, boolean>;

const everyone = { admin: true, executive: true, cx_lead: true, viewer: true };

/** Who may reach each route, written out: a new route must be added here, deliberately. */
const EXPECTED: Record<string, Access> = {
	'/': everyone,
	'/account': everyone,
	'/admin/audit': { admin: true, executive: false, cx_lead: false, viewer: false },
	'/admin/demo': { admin: true, executive: false, cx_lead: false, viewer: false },
	'/admin/models': { admin: true, executive: false, cx_lead: false, viewer: false },
	'/admin/settings': { admin: true, executive: false, cx_lead: false, viewer: false },
	'/admin/setup': { admin: true, executive: false, cx_lead: false, viewer: false },
	'/admin/targets': { admin: true, executive: false, cx_lead: false, viewer: false },
	'/admin/users': { admin: true, executive: false, cx_lead: false, viewer: false },
	'/api/v1/metrics': everyone,
	'/api/v1/metrics/[id]': everyone,
	'/cohorts': everyone,
	'/customers/at-risk': { admin: true, executive: false, cx_lead: true, viewer: false },
	'/customers/[id]': { admin: true, executive: false, cx_lead: true, viewer: false },
	'/logout': everyone,
	'/metrics': everyone,
	'/login': 'public',
	'/healthz': 'public'
};

describe('the route access table', () => {
	const routes = scanRouteIds();

	it('finds the app’s routes', () => {
		expect(routes).toContain('/');
		expect(routes).toContain('/login');
		expect(routes).toContain('/account');
		expect(routes.length).toBeGreaterThanOrEqual(5);
	});

	it.each(routes)('guards %s: public, or with a permission', (route) => {
		const permission = routePermission(route);
		expect(isPublicRoute(route) || permission !== undefined, route).toBe(true);
		// not both: a public route with a permission would mean two answers to one question
		expect(isPublicRoute(route) && permission !== undefined, route).toBe(false);
	});

	it('has a written-out expectation for exactly the routes there are', () => {
		expect([...routes].sort()).toEqual(Object.keys(EXPECTED).sort());
	});

	for (const route of Object.keys(EXPECTED)) {
		for (const role of ROLES) {
			const expected = EXPECTED[route]!;
			const allowed = expected === 'public' || expected[role];
			it(`${role} ${allowed ? 'may' : 'may not'} use ${route}`, () => {
				if (expected === 'public') {
					expect(isPublicRoute(route)).toBe(true);
					return;
				}
				expect(isPublicRoute(route)).toBe(false);
				const permission = routePermission(route);
				expect(permission, route).toBeDefined();
				expect(can(role, permission!)).toBe(expected[role]);
			});
		}
	}

	it('refuses what it does not know: no route id, or a route missing from the table', () => {
		expect(isPublicRoute(null)).toBe(false);
		expect(routePermission(null)).toBeUndefined();
		for (const route of ['/admin', '/login/', '/Login', '/(app)/account', '', '/healthz/x']) {
			expect(isPublicRoute(route), route).toBe(false);
			expect(routePermission(route), route).toBeUndefined();
		}
	});

	it('lets a user who must change the password use only /account and /logout', () => {
		const allowed = Object.keys(EXPECTED).filter((route) => allowedWhilePasswordMustChange(route));
		expect(allowed.sort()).toEqual(['/account', '/logout']);
		expect(allowedWhilePasswordMustChange(null)).toBe(false);
	});
});

describe('safeRedirectTarget', () => {
	it.each([
		['/account', '/account'],
		['/', '/'],
		['/account?change=required', '/account?change=required'],
		['/?from=2026-01-01&to=2026-01-31#nps', '/?from=2026-01-01&to=2026-01-31#nps'],
		['/a/b/c', '/a/b/c'],
		['/%2F%2Fevil.example', '/%2F%2Fevil.example']
	])('follows the local path %j', (target, expected) => {
		expect(safeRedirectTarget(target)).toBe(expected);
	});

	it.each([
		null,
		undefined,
		'',
		'//evil.example/x',
		'//evil.example',
		'///evil.example',
		'/\\evil.example',
		'/\\/evil.example',
		'\\\\evil.example',
		'\\/evil.example',
		'https://evil.example',
		'http://evil.example/account',
		'HTTPS://evil.example',
		'javascript:alert(1)',
		'JavaScript:alert(1)',
		'data:text/html,<script>alert(1)</script>',
		'evil.example',
		'account',
		' /account',
		' //evil.example',
		// a browser's URL parser drops tabs and newlines, so these are "//evil.example"
		'/\t/evil.example',
		'/\n/evil.example',
		'/\r/evil.example',
		'/\t\\evil.example'
	])('sends %j to the board instead', (target) => {
		expect(safeRedirectTarget(target)).toBe('/');
	});

	it('agrees with the URL parser: whatever it follows stays on this origin', () => {
		const base = 'https://cx.example.test/login';
		const targets = ['/account', '/x?y=//evil.example', '/\t/evil.example', '/\n/evil.example'];
		for (const target of targets) {
			const followed = safeRedirectTarget(target);
			expect(new URL(followed, base).origin, JSON.stringify(target)).toBe(
				'https://cx.example.test'
			);
		}
	});
});
