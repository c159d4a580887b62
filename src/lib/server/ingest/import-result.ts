export interface RejectedRow {
	line: number;
	/** The record's own reference (order_ref, currency/day, …) so the person can find it. */
	ref: string;
	field: string;
	message: string;
}

export interface ImportProgress {
	rows: number;
	bytesRead: number;
	totalBytes: number;
}

export interface ImportSummary {
	rows: number;
	stored: number;
	skipped: number;
	rejected: RejectedRow[];
}

export function emptySummary(): ImportSummary {
	return { rows: 0, stored: 0, skipped: 0, rejected: [] };
}
