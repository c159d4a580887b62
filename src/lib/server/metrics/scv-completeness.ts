import { COMPUTING_REASON, defineMetric, emptyFigures } from './catalog-entry';
import { scvOn } from '../rollups/read';

/** PRODUCT.md §3 "Single customer view": how joined-up the customer records are. */
export const scvCompleteness = defineMetric({
	id: 'scv-completeness',
	label: 'SCV completeness',
	definition:
		'Of all customers known on the period’s last day, prospects included, the share with identities (email, phone, references) from two or more source systems, so that their records are joined into one view. Merged records count as the customer they were merged into.',
	unit: 'ratio',
	better: 'higher',
	async compute(db, { period, facts }) {
		if (!facts) return emptyFigures(COMPUTING_REASON);
		const { customers, complete } = await scvOn(db, facts, period.to);
		if (customers === 0) return emptyFigures('No customer was known on this day.');
		return {
			value: complete / customers,
			numerator: complete,
			denominator: customers,
			n: customers,
			asOf: null,
			extra: { knownOn: period.to }
		};
	}
});
