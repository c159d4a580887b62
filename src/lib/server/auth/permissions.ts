export const ROLES = ['admin', 'executive', 'cx_lead', 'viewer'] as const;

export type Role = (typeof ROLES)[number];

export type Permission =
	| 'board:view'
	| 'customer:view-personal'
	| 'users:manage'
	| 'settings:manage'
	| 'account:manage-own';

/** What each role may do: the one table every route and projection asks (PRODUCT.md §6). */
export const PERMISSIONS: Readonly<Record<Permission, readonly Role[]>> = {
	'board:view': ['admin', 'executive', 'cx_lead', 'viewer'],
	'customer:view-personal': ['admin', 'cx_lead'],
	'users:manage': ['admin'],
	'settings:manage': ['admin'],
	'account:manage-own': ['admin', 'executive', 'cx_lead', 'viewer']
};

export function can(role: Role, permission: Permission): boolean {
	return PERMISSIONS[permission].includes(role);
}

export function isRole(value: unknown): value is Role {
	return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
