import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import PeriodPicker, { type PeriodOption } from './PeriodPicker.svelte';

const options: PeriodOption[] = [
	{ kind: 'month', from: '2026-11-01', to: '2026-11-30', label: 'Nov 2026' },
	{ kind: 'month', from: '2026-10-01', to: '2026-10-31', label: 'Oct 2026' },
	{ kind: 'month', from: '2026-09-01', to: '2026-09-30', label: 'Sep 2026' },
	{ kind: 'quarter', from: '2026-10-01', to: '2026-12-31', label: 'Q4 2026' },
	{ kind: 'quarter', from: '2026-07-01', to: '2026-09-30', label: 'Q3 2026' },
	{ kind: 'year', from: '2026-01-01', to: '2026-12-31', label: '2026' },
	{ kind: 'year', from: '2025-01-01', to: '2025-12-31', label: '2025' }
];

const october = { from: '2026-10-01', to: '2026-10-31' };

function theForm(): HTMLFormElement {
	return screen.getByRole('form', { name: 'Period shown' }) as HTMLFormElement;
}

/** What the form would put in the URL, captured at submit time (jsdom does not navigate). */
function captureSubmits(form: HTMLFormElement): URLSearchParams[] {
	const submitted: URLSearchParams[] = [];
	form.addEventListener('submit', (event) => {
		event.preventDefault();
		const fields = new FormData(form);
		submitted.push(
			new URLSearchParams(
				Array.from(fields, ([name, value]) => [name, typeof value === 'string' ? value : ''])
			)
		);
	});
	return submitted;
}

afterEach(() => {
	vi.restoreAllMocks();
});

describe('PeriodPicker', () => {
	it('is a GET form whose fields are from, to and compare', () => {
		render(PeriodPicker, { kind: 'month', ...october, compare: 'previous', options });
		const form = theForm();
		expect(form.method).toBe('get');
		expect(form.getAttribute('method')?.toLowerCase()).toBe('get');
		const names = Array.from(new FormData(form).keys()).sort();
		expect(names).toEqual(['compare', 'from', 'to']);
		expect(Object.fromEntries(new FormData(form))).toEqual({
			from: '2026-10-01',
			to: '2026-10-31',
			compare: 'previous'
		});
		expect(screen.getByRole('button', { name: 'Show' })).toHaveAttribute('type', 'submit');
	});

	it('offers month, quarter, year and custom, with the current kind chosen', () => {
		render(PeriodPicker, {
			kind: 'quarter',
			from: '2026-07-01',
			to: '2026-09-30',
			compare: 'previous',
			options
		});
		const period = screen.getByLabelText('Period');
		expect(period).toHaveValue('quarter');
		expect(
			within(period)
				.getAllByRole('option')
				.map((o) => o.getAttribute('value'))
		).toEqual(['month', 'quarter', 'year', 'custom']);
		const which = screen.getByLabelText('Which quarter');
		expect(
			within(which)
				.getAllByRole('option')
				.map((o) => o.textContent)
		).toEqual(['Q4 2026', 'Q3 2026']);
		expect(which).toHaveDisplayValue('Q3 2026');
	});

	it('shows date inputs only for a custom period', () => {
		const { unmount } = render(PeriodPicker, {
			kind: 'month',
			...october,
			compare: 'previous',
			options
		});
		expect(screen.queryByLabelText('From')).toBeNull();
		expect(screen.queryByLabelText('To')).toBeNull();
		unmount();

		render(PeriodPicker, {
			kind: 'custom',
			from: '2026-10-03',
			to: '2026-10-17',
			compare: 'year',
			options
		});
		const from = screen.getByLabelText('From');
		const to = screen.getByLabelText('To');
		expect(from).toHaveAttribute('type', 'date');
		expect(from).toHaveAttribute('name', 'from');
		expect(from).toHaveValue('2026-10-03');
		expect(to).toHaveAttribute('name', 'to');
		expect(to).toHaveValue('2026-10-17');
		expect(screen.queryByLabelText(/^Which/)).toBeNull();
		expect(Object.fromEntries(new FormData(theForm()))).toEqual({
			from: '2026-10-03',
			to: '2026-10-17',
			compare: 'year'
		});
	});

	it('switches to date inputs when custom is chosen, without submitting', async () => {
		render(PeriodPicker, { kind: 'month', ...october, compare: 'previous', options });
		const submits = captureSubmits(theForm());
		await fireEvent.change(screen.getByLabelText('Period'), { target: { value: 'custom' } });
		expect(screen.getByLabelText('From')).toHaveValue('2026-10-01');
		expect(screen.getByLabelText('To')).toHaveValue('2026-10-31');
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(submits).toHaveLength(0);
	});

	it.each(['previous', 'year'] as const)('checks the compare radio for %s', (compare) => {
		render(PeriodPicker, { kind: 'month', ...october, compare, options });
		const group = screen.getByRole('group', { name: 'Compare with:' });
		const previous = within(group).getByRole('radio', { name: 'previous period' });
		const year = within(group).getByRole('radio', { name: 'same period last year' });
		expect(previous).toHaveAttribute('name', 'compare');
		expect(previous).toHaveAttribute('value', 'previous');
		expect(year).toHaveAttribute('value', 'year');
		expect(previous).toHaveProperty('checked', compare === 'previous');
		expect(year).toHaveProperty('checked', compare === 'year');
	});

	it('submits at once when another month is chosen', async () => {
		render(PeriodPicker, { kind: 'month', ...october, compare: 'previous', options });
		const submits = captureSubmits(theForm());
		await fireEvent.change(screen.getByLabelText('Which month'), {
			target: { value: '2026-09-01/2026-09-30' }
		});
		await waitFor(() => expect(submits).toHaveLength(1));
		expect(submits[0]?.toString()).toBe('from=2026-09-01&to=2026-09-30&compare=previous');
	});

	it('submits the quarter containing the current period when the kind changes to quarter', async () => {
		render(PeriodPicker, { kind: 'month', ...october, compare: 'year', options });
		const submits = captureSubmits(theForm());
		await fireEvent.change(screen.getByLabelText('Period'), { target: { value: 'quarter' } });
		await waitFor(() => expect(submits).toHaveLength(1));
		expect(submits[0]?.toString()).toBe('from=2026-10-01&to=2026-12-31&compare=year');
		expect(screen.getByLabelText('Which quarter')).toHaveDisplayValue('Q4 2026');
	});

	it('submits at once when the comparison changes', async () => {
		render(PeriodPicker, { kind: 'month', ...october, compare: 'previous', options });
		const submits = captureSubmits(theForm());
		await fireEvent.click(screen.getByRole('radio', { name: 'same period last year' }));
		await waitFor(() => expect(submits).toHaveLength(1));
		expect(submits[0]?.get('compare')).toBe('year');
		expect(submits[0]?.get('from')).toBe('2026-10-01');
	});

	it('labels every control', () => {
		render(PeriodPicker, { kind: 'custom', ...october, compare: 'previous', options });
		const form = theForm();
		for (const control of Array.from(form.querySelectorAll('input, select'))) {
			const input = control as HTMLInputElement | HTMLSelectElement;
			expect(input.labels?.length ?? 0).toBeGreaterThan(0);
		}
	});
});
