import { describe, expect, it } from 'vitest';
import { exportName, seriesCsv } from './export';

const tile = {
	id: 'repeat-purchase-rate',
	label: 'Repeat purchase rate',
	unit: 'ratio' as const,
	series: [
		{
			label: 'Jun 2026',
			from: '2026-06-01',
			to: '2026-06-30',
			value: 0.3461538461538462,
			partial: false
		},
		{ label: 'Jul, 2026 "x"', from: '2026-07-01', to: '2026-07-31', value: null, partial: false },
		{ label: '=cmd()', from: '2026-08-01', to: '2026-08-14', value: -0.5, partial: true }
	]
};

describe('seriesCsv', () => {
	it('writes one row per period with the unrounded value, quoting what needs it', () => {
		expect(seriesCsv(tile).split('\r\n')).toEqual([
			'metric,period,from,to,partial,value,unit',
			'repeat-purchase-rate,Jun 2026,2026-06-01,2026-06-30,false,0.3461538461538462,ratio',
			'repeat-purchase-rate,"Jul, 2026 ""x""",2026-07-01,2026-07-31,false,,ratio',
			// a formula is defused for spreadsheets; a negative number is not
			`repeat-purchase-rate,"'=cmd()",2026-08-01,2026-08-14,true,-0.5,ratio`,
			''
		]);
	});

	it('names the file after the metric and the dates it covers', () => {
		expect(exportName(tile)).toBe('repeat-purchase-rate-2026-06-01-2026-08-14');
		expect(exportName({ id: 'nps', series: [] })).toBe('nps');
	});
});
