import { describe, expect, it } from 'vitest';
import { MAX_CHUNK_BUDGET_MS, nextChunkSize } from './chunked';

describe('nextChunkSize', () => {
	it('scales the last chunk to the budget by its measured cost', () => {
		// 400 rows took 200 ms: 100 ms buys 200 rows
		expect(nextChunkSize(400, 200, 100)).toBe(200);
		expect(nextChunkSize(400, 400, 100, { min: 150 })).toBe(150);
	});

	it('grows at most twofold after a cheap chunk, and never past max', () => {
		expect(nextChunkSize(100, 1, 200)).toBe(200);
		expect(nextChunkSize(100, 0, 200)).toBe(200);
		expect(nextChunkSize(300, 1, 200, { max: 400 })).toBe(400);
	});

	it('never aims past the 250 ms ceiling, whatever budget is asked for', () => {
		expect(MAX_CHUNK_BUDGET_MS).toBe(250);
		// 1,000 rows took 1,000 ms: a 10 s budget still gets only 250 ms worth
		expect(nextChunkSize(1000, 1000, 10_000)).toBe(250);
	});
});
