import { COMPUTING_REASON, defineMetric, emptyFigures, medianBin } from './catalog-entry';
import { latestAt, walletOn } from '../rollups/read';

/** PRODUCT.md §3 "Loyalty": our part of what customers say they spend in the category. */
export const shareOfWallet = defineMetric({
	id: 'share-of-wallet',
	label: 'Share of wallet',
	definition:
		'The median share of their yearly spend in our category that customers spend with us: for each customer, their latest statement of annual category spend made within the 365 days to the period’s end, against our net revenue from them in the 365 days up to that statement. Shares above 100% are capped and counted as inconsistent; a stated spend of 0 or less is left out. Read from a histogram of 1-point bins: the figure is the middle of the bin holding the median customer (for an even count, the lower of the two middle customers).',
	unit: 'ratio',
	better: 'higher',
	exactness: 'binned',
	async compute(db, { period, facts }) {
		if (!facts) return emptyFigures(COMPUTING_REASON);
		const { bins, inconsistent } = await walletOn(db, facts, period.to);
		const { index: bin, total } = medianBin(bins);
		const asOf = await latestAt(db, 'survey_answers', period.end, facts);
		if (total <= 0) {
			return {
				...emptyFigures(
					'No customer stated their annual spend in the category in the 365 days to the end of this period; the figure appears once survey responses with stated_category_spend come in.'
				),
				asOf
			};
		}
		return {
			value: bin === 100 ? 1 : (bin + 0.5) / 100,
			numerator: null,
			denominator: null,
			n: total,
			asOf,
			extra: {
				binFrom: bin / 100,
				binTo: bin === 100 ? 1 : (bin + 1) / 100,
				resolution: '1 point',
				inconsistent,
				distribution: bins.flatMap((customers, b) =>
					customers ? [{ from: b / 100, customers }] : []
				)
			}
		};
	}
});
