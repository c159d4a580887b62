import { COMPUTING_REASON, defineMetric, emptyFigures, medianBin } from './catalog-entry';
import { beforeHistory, NO_ORDERS_REASON } from './history';
import { latestAt, tenureOn } from '../rollups/read';

/** Months of 30.4375 days: a year of 365.25 days in twelve. */
export const TENURE_MONTH_DAYS = 30.4375;

export const tenure = defineMetric({
	id: 'tenure',
	label: 'Tenure',
	definition:
		'How long the active customers have been buying from us: the median time from their first purchase to the period’s last day, in months of 30.4375 days, over the customers active on that day. Read from a histogram of 1-month bins: the figure is the middle of the bin holding the median customer (for an even count, the lower of the two middle customers).',
	unit: 'months',
	better: 'higher',
	exactness: 'binned',
	async compute(db, { period, historyStart, facts }) {
		if (!historyStart) return emptyFigures(NO_ORDERS_REASON);
		if (period.to < historyStart) return beforeHistory(historyStart);
		if (!facts) return emptyFigures(COMPUTING_REASON);
		const bins = await tenureOn(db, facts, period.to);
		const { index: bin, total } = medianBin(bins);
		const asOf = await latestAt(db, 'order_rows', period.end, facts);
		if (total <= 0) return { ...emptyFigures('No customer is active on this day.'), asOf };
		return {
			value: bin + 0.5,
			numerator: null,
			denominator: null,
			n: total,
			asOf,
			extra: {
				binFromMonths: bin,
				binToMonths: bin + 1,
				resolution: '1 month',
				distribution: bins.flatMap((customers, months) =>
					customers ? [{ fromMonths: months, customers }] : []
				)
			}
		};
	}
});
