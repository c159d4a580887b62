import { describe, expect, it } from 'vitest';
import { can, isRole, PERMISSIONS, ROLES, type Permission, type Role } from './permissions';

// Written out by hand from PRODUCT.md §6, not derived from the table under test.
const EXPECTED: Record<Role, Record<Permission, boolean>> = {
	admin: {
		'board:view': true,
		'customer:view-personal': true,
		'users:manage': true,
		'settings:manage': true,
		'account:manage-own': true
	},
	executive: {
		'board:view': true,
		'customer:view-personal': false,
		'users:manage': false,
		'settings:manage': false,
		'account:manage-own': true
	},
	cx_lead: {
		'board:view': true,
		'customer:view-personal': true,
		'users:manage': false,
		'settings:manage': false,
		'account:manage-own': true
	},
	viewer: {
		'board:view': true,
		'customer:view-personal': false,
		'users:manage': false,
		'settings:manage': false,
		'account:manage-own': true
	}
};

describe('permissions', () => {
	it('are the four roles, in order of reach', () => {
		expect(ROLES).toEqual(['admin', 'executive', 'cx_lead', 'viewer']);
	});

	it('cover exactly the permissions of the expected matrix', () => {
		expect(Object.keys(PERMISSIONS).sort()).toEqual(Object.keys(EXPECTED.admin).sort());
	});

	for (const role of ROLES) {
		for (const [permission, allowed] of Object.entries(EXPECTED[role])) {
			it(`${allowed ? 'let' : 'refuse'} ${role} ${permission}`, () => {
				expect(can(role, permission as Permission)).toBe(allowed);
			});
		}
	}

	it('recognise roles and nothing else', () => {
		for (const role of ['admin', 'executive', 'cx_lead', 'viewer']) expect(isRole(role)).toBe(true);
		for (const value of ['Admin', 'root', '', ' admin', undefined, null, 1, ['admin']]) {
			expect(isRole(value)).toBe(false);
		}
	});
});
