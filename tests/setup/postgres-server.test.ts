import { describe, expect, it } from 'vitest';
import { describeUrl, withDatabase } from './postgres-server';

describe('postgres-server URL helpers', () => {
	it('replaces only the database of a connection URL', () => {
		expect(
			withDatabase('postgres://app:s3cret@db.local:6543/postgres?sslmode=require', 'cx_test_ab')
		).toBe('postgres://app:s3cret@db.local:6543/cx_test_ab?sslmode=require');
		expect(withDatabase('postgres://postgres@127.0.0.1:40000/postgres', 'cx_test_01')).toBe(
			'postgres://postgres@127.0.0.1:40000/cx_test_01'
		);
	});

	it('describes a URL without its credentials', () => {
		const text = describeUrl('postgresql://app:s3cret@db.local/cx');
		expect(text).toBe('db.local:5432/cx');
		expect(text).not.toContain('s3cret');
	});

	it('rejects strings that are not URLs without echoing them', () => {
		expect(() => describeUrl('host=db password=s3cret')).toThrow(/connection URL/);
		expect(() => describeUrl('host=db password=s3cret')).not.toThrow(/s3cret/);
	});
});
