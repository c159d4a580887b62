import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import KpiTile from './KpiTile.svelte';
import type { MetricStatus, SparkPoint, TileData } from '$lib/metric-types';

const MINUS = '\u2212';
const MONTHS = ['Dec', 'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov'];

/** Dec 2025 … Nov 2026: no data before Feb, none in Jul, Nov still running. */
function series(): SparkPoint[] {
	const values = [null, null, 0.3, 0.31, 0.33, 0.32, 0.345, null, 0.35, 0.36, 0.3921, 0.4132];
	return MONTHS.map((month, i) => ({
		label: `${month} ${i === 0 ? 2025 : 2026}`,
		from: `p${i}-from`,
		to: `p${i}-to`,
		value: values[i] ?? null,
		partial: i === 11
	}));
}

function makeTile(overrides: Partial<TileData> = {}): TileData {
	return {
		id: 'repeat-purchase-rate',
		label: 'Repeat purchase rate',
		definition: 'Share of customers who bought again within 90 days of their first purchase.',
		unit: 'ratio',
		better: 'higher',
		periodLabel: 'Nov 2026 to date',
		value: 0.4132,
		numerator: 312,
		denominator: 1204,
		n: 1204,
		status: 'near',
		target: 0.43,
		compare: { label: 'Oct 2026', basis: 'previous', value: 0.3921, delta: 0.0211 },
		note: null,
		emptyReason: null,
		series: series(),
		asOf: '2026-11-14T10:00:00Z',
		...overrides
	};
}

function tileElement(): HTMLElement {
	return screen.getByRole('article', { name: 'Repeat purchase rate' });
}

beforeEach(() => {
	// jsdom has no canvas: say so quietly instead of printing "Not implemented" for every chart.
	vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
});

afterEach(() => {
	vi.restoreAllMocks();
});

describe('KpiTile', () => {
	it('shows the label as a heading, the period and the formatted value', () => {
		render(KpiTile, { tile: makeTile() });
		expect(screen.getByRole('heading', { name: 'Repeat purchase rate' })).toBeInTheDocument();
		expect(within(tileElement()).getByText('Nov 2026 to date')).toBeInTheDocument();
		expect(within(tileElement()).getByText('41.3%', { selector: 'p' })).toHaveClass('value');
	});

	it('formats counts and money too', () => {
		const { unmount } = render(KpiTile, {
			tile: makeTile({ unit: 'count', value: 12345, target: null, series: [] })
		});
		expect(screen.getByText('12,345')).toHaveClass('value');
		unmount();
		render(KpiTile, {
			tile: makeTile({ unit: 'currency', value: 1234, target: null, series: [] }),
			currency: 'EUR'
		});
		expect(screen.getByText('€1,234')).toHaveClass('value');
	});

	it.each([
		// [better, delta, change text, verdict]
		['higher', 0.0211, '+2.1 pts', 'better'],
		['higher', -0.004, `${MINUS}0.4 pts`, 'worse'],
		['lower', 0.0211, '+2.1 pts', 'worse'],
		['lower', -0.004, `${MINUS}0.4 pts`, 'better']
	] as const)(
		'a %s-is-better metric that changed by %d is %s… %s',
		(better, delta, text, verdict) => {
			render(KpiTile, {
				tile: makeTile({
					better,
					compare: { label: 'Oct 2026', basis: 'previous', value: 0.4, delta }
				})
			});
			const change = within(tileElement()).getByText(text).closest('p');
			expect(change).toHaveTextContent(`${text} vs Oct 2026 (${verdict})`);
			expect(change).toHaveClass(`delta-${verdict}`);
			expect(change).toHaveTextContent(delta > 0 ? '↑' : '↓');
		}
	);

	it('claims neither better nor worse for a change that prints as ±0', () => {
		render(KpiTile, {
			tile: makeTile({
				compare: { label: 'Oct 2026', basis: 'previous', value: 0.4, delta: 0.0002 }
			})
		});
		const change = within(tileElement()).getByText('±0 pts').closest('p');
		expect(change).toHaveTextContent('±0 pts vs Oct 2026 (no change)');
		expect(change).toHaveClass('delta-same');
	});

	it('says when there is nothing to compare with', () => {
		render(KpiTile, {
			tile: makeTile({
				compare: { label: 'Oct 2026', basis: 'previous', value: null, delta: null }
			})
		});
		expect(tileElement()).toHaveTextContent('No figure for Oct 2026 to compare with');
		expect(tileElement()).not.toHaveTextContent('—pts');
	});

	it.each([
		['on-target', '✓', 'On target', 'tone-good'],
		['near', '!', 'Near target', 'tone-warn'],
		['off-target', '✕', 'Off target', 'tone-bad'],
		['not-enough-data', '?', 'Not enough data', 'tone-muted'],
		['no-target', '–', 'No target', 'tone-neutral']
	] as const)(
		'shows status %s as icon %s, a word and a colour class',
		(status, icon, word, tone) => {
			render(KpiTile, { tile: makeTile({ status: status as MetricStatus }) });
			const line = within(tileElement()).getByText(word).closest('p');
			expect(line).toHaveTextContent(icon);
			expect(line).toHaveClass('status', tone);
			const others = ['tone-good', 'tone-warn', 'tone-bad', 'tone-muted', 'tone-neutral'].filter(
				(t) => t !== tone
			);
			for (const other of others) expect(line).not.toHaveClass(other);
		}
	);

	it('shows the reason instead of a value when there is none, with no NaN, null or undefined', () => {
		const reason =
			'No customer has a known first purchase in this period yet: set the history start in Settings.';
		render(KpiTile, {
			tile: makeTile({
				value: null,
				numerator: null,
				denominator: null,
				n: 0,
				status: 'not-enough-data',
				target: null,
				compare: { label: 'Oct 2026', basis: 'previous', value: null, delta: null },
				emptyReason: reason,
				series: series().map((p) => ({ ...p, value: null }))
			})
		});
		const tile = tileElement();
		expect(within(tile).getByText(reason)).toBeInTheDocument();
		expect(tile.textContent).not.toMatch(/NaN|null|undefined/);
		expect(within(tile).queryByText('%', { exact: false })).toBeNull();
	});

	it('falls back to a plain sentence when the server gave no reason', () => {
		render(KpiTile, { tile: makeTile({ value: null, emptyReason: null, series: [] }) });
		expect(tileElement()).toHaveTextContent('No figure for this period yet.');
		expect(tileElement().textContent).not.toMatch(/NaN|null|undefined/);
	});

	it('shows the note under the value', () => {
		render(KpiTile, { tile: makeTile({ note: 'matures on 2026-12-01' }) });
		expect(within(tileElement()).getByText('matures on 2026-12-01')).toBeInTheDocument();
	});

	it('opens the definition with numerator and denominator on click, and closes it again', async () => {
		render(KpiTile, { tile: makeTile() });
		const button = within(tileElement()).getByRole('button', {
			name: 'Definition of Repeat purchase rate'
		});
		const region = document.getElementById(button.getAttribute('aria-controls') ?? '');
		expect(region).not.toBeNull();
		expect(button).toHaveAttribute('aria-expanded', 'false');
		expect(region).not.toBeVisible();

		await fireEvent.click(button);
		expect(button).toHaveAttribute('aria-expanded', 'true');
		expect(region).toBeVisible();
		expect(screen.getByText(/Share of customers who bought again/)).toBeVisible();
		expect(screen.getByText(/312 of 1,204/)).toBeVisible();

		await fireEvent.click(button);
		expect(button).toHaveAttribute('aria-expanded', 'false');
		expect(region).not.toBeVisible();
	});

	it('shows the definition while a mouse is over it and closes it on Escape', async () => {
		render(KpiTile, { tile: makeTile() });
		const button = within(tileElement()).getByRole('button', { name: /Definition of/ });
		const disclosure = button.parentElement as HTMLElement;
		await fireEvent.pointerEnter(disclosure, { pointerType: 'mouse' });
		expect(button).toHaveAttribute('aria-expanded', 'true');
		expect(screen.getByText(/312 of 1,204/)).toBeVisible();
		await fireEvent.keyDown(window, { key: 'Escape' });
		expect(button).toHaveAttribute('aria-expanded', 'false');
		expect(screen.getByText(/312 of 1,204/)).not.toBeVisible();
	});

	it('gives n for counts instead of a fraction', async () => {
		render(KpiTile, {
			tile: makeTile({ unit: 'count', value: 1204, numerator: 1204, denominator: null, n: 1204 })
		});
		await fireEvent.click(within(tileElement()).getByRole('button', { name: /Definition of/ }));
		expect(screen.getByText('Based on n = 1,204')).toBeVisible();
	});

	it('has a table equivalent of the sparkline: 12 periods, gaps as —, the last to date', () => {
		render(KpiTile, { tile: makeTile() });
		const tile = tileElement();
		expect(
			within(tile).getByRole('img', { name: /Repeat purchase rate: trend/ })
		).toBeInTheDocument();
		expect(within(tile).getByText('Show table').tagName).toBe('SUMMARY');

		const table = within(tile).getByRole('table', { hidden: true });
		const rows = within(table)
			.getAllByRole('row', { hidden: true })
			.filter((row) => row.parentElement?.tagName === 'TBODY');
		expect(rows).toHaveLength(12);
		const cells = rows.map((row) =>
			Array.from(row.querySelectorAll('th, td')).map((cell) => cell.textContent?.trim())
		);
		expect(cells).toEqual([
			['Dec 2025', '—'],
			['Jan 2026', '—'],
			['Feb 2026', '30.0%'],
			['Mar 2026', '31.0%'],
			['Apr 2026', '33.0%'],
			['May 2026', '32.0%'],
			['Jun 2026', '34.5%'],
			['Jul 2026', '—'],
			['Aug 2026', '35.0%'],
			['Sep 2026', '36.0%'],
			['Oct 2026', '39.2%'],
			['Nov 2026 (to date)', '41.3%']
		]);
	});

	it('opens the table from its summary', async () => {
		render(KpiTile, { tile: makeTile() });
		const summary = within(tileElement()).getByText('Show table');
		await fireEvent.click(summary);
		expect(summary.closest('details')).toHaveAttribute('open');
		expect(await within(tileElement()).findByText('Hide table')).toBe(summary);
	});

	it('draws nothing and does not throw when the browser gives no canvas context', () => {
		const { unmount } = render(KpiTile, { tile: makeTile() });
		expect(HTMLCanvasElement.prototype.getContext).toHaveBeenCalledWith('2d');
		expect(() => unmount()).not.toThrow();
	});
});
