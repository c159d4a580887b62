import type { Permission } from './permissions';

/** Routes anyone may reach without signing in. */
const PUBLIC_ROUTES = new Set(['/login', '/healthz']);

/**
 * What each app route requires; a route missing here is refused (403) rather than opened by
 * accident. Actions are guarded by the same table as the pages they belong to.
 */
const ROUTE_PERMISSIONS: Record<string, Permission> = {
	'/': 'board:view',
	'/account': 'account:manage-own',
	// the log names acting users by email, which only those who manage users see
	'/admin/audit': 'users:manage',
	'/admin/demo': 'settings:manage',
	'/admin/models': 'settings:manage',
	'/admin/settings': 'settings:manage',
	'/admin/setup': 'settings:manage',
	'/admin/targets': 'settings:manage',
	'/admin/users': 'users:manage',
	'/api/v1/metrics': 'board:view',
	'/cohorts': 'board:view',
	// names and references of customers
	'/customers/at-risk': 'customer:view-personal',
	'/customers/[id]': 'customer:view-personal',
	'/api/v1/metrics/[id]': 'board:view',
	'/logout': 'account:manage-own',
	'/metrics': 'board:view'
};

/** Routes a user who must change a generated password may still use. */
const PASSWORD_CHANGE_ROUTES = new Set(['/account', '/logout']);

export function isPublicRoute(routeId: string | null): boolean {
	return routeId !== null && PUBLIC_ROUTES.has(routeId);
}

export function routePermission(routeId: string | null): Permission | undefined {
	return routeId === null ? undefined : ROUTE_PERMISSIONS[routeId];
}

export function allowedWhilePasswordMustChange(routeId: string | null): boolean {
	return routeId !== null && PASSWORD_CHANGE_ROUTES.has(routeId);
}

/**
 * After sign-in only a local path is followed (no `//host` or `/\host`), else the board. White
 * space and control characters are refused too: browsers drop tabs and newlines from URLs, so
 * `/<tab>/evil.example` would otherwise leave the site.
 */
export function safeRedirectTarget(target: string | null | undefined): string {
	// eslint-disable-next-line no-control-regex -- control characters are what is refused
	return target && /^\/(?![/\\])[^\s\u0000-\u001f\u007f]*$/.test(target) ? target : '/';
}
