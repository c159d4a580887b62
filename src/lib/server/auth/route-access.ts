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
	'/logout': 'account:manage-own'
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

/** After sign-in only a local path is followed (no `//host` or `/\host`), else the board. */
export function safeRedirectTarget(target: string | null | undefined): string {
	return target && /^\/(?![/\\])/.test(target) ? target : '/';
}
