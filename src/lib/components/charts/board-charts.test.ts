import { describe, expect, it } from 'vitest';
import { tableCsv } from '$lib/export';
import { cohortCurveConfig, SECOND_COLOUR, trendConfig } from './board-charts';
import { SERIES_COLOUR } from './sparkline';

describe('the board charts', () => {
	it('draws the cohort curve in percent, leaving months no cohort reached as gaps', () => {
		const config = cohortCurveConfig([
			{ month: 0, share: 1 },
			{ month: 1, share: 0.125 },
			{ month: 2, share: null }
		]);
		expect(config.data.labels).toEqual(['M0', 'M1', 'M2']);
		expect(config.data.datasets[0]?.data).toEqual([100, 12.5, null]);
		expect(config.data.datasets[0]?.spanGaps).toBe(false);
	});

	it('tells NPS from the repeat rate by axis, colour, dash and point shape', () => {
		const config = trendConfig(['Jan 2026', 'Feb 2026'], [12, null], [0.31, 0.4]);
		const [nps, repeat] = config.data.datasets;
		expect(nps).toMatchObject({ data: [12, null], yAxisID: 'nps', borderColor: SERIES_COLOUR });
		expect(repeat).toMatchObject({
			yAxisID: 'repeat',
			borderColor: SECOND_COLOUR,
			borderDash: [6, 4],
			pointStyle: 'rect'
		});
		expect(repeat?.data).toEqual([31, 40]);
		expect(nps?.pointStyle).not.toBe(repeat?.pointStyle);
	});

	it('exports any table as CSV, quoting what needs it', () => {
		expect(
			tableCsv([
				['period', 'nps'],
				['Jan, 2026', '-3'],
				['=cmd', '']
			])
		).toBe('period,nps\r\n"Jan, 2026",-3\r\n"\'=cmd",\r\n');
	});
});
