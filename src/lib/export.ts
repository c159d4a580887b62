import type { TileData } from './metric-types';

/**
 * A tile's series as CSV (RFC 4180): one row per period with its dates and the unrounded value the
 * server computed; empty for a period without a figure. Ratios stay fractions (0.346, not 34.6%)
 * so that a spreadsheet can compute with them.
 */
export function seriesCsv(tile: Pick<TileData, 'id' | 'label' | 'unit' | 'series'>): string {
	const lines = [['metric', 'period', 'from', 'to', 'partial', 'value', 'unit']];
	for (const point of tile.series) {
		lines.push([
			tile.id,
			point.label,
			point.from,
			point.to,
			point.partial ? 'true' : 'false',
			point.value === null ? '' : String(point.value),
			tile.unit
		]);
	}
	return lines.map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** Any table as CSV (RFC 4180), the first line its header. */
export function tableCsv(lines: string[][]): string {
	return lines.map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

function csvCell(text: string): string {
	// Quote what needs it; a leading = + - @ is quoted too, so a spreadsheet never runs it.
	const risky = /^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?(e-?\d+)?$/i.test(text);
	return /[",\r\n]/.test(text) || risky
		? `"${(risky ? "'" : '') + text.replaceAll('"', '""')}"`
		: text;
}

/** `active-customers-2025-12-01-2026-11-22`: what the downloads are called. */
export function exportName(tile: Pick<TileData, 'id' | 'series'>): string {
	const first = tile.series[0]?.from ?? '';
	const last = tile.series[tile.series.length - 1]?.to ?? '';
	return [tile.id, first, last].filter(Boolean).join('-');
}

/** Hands `blob` to the browser as a download called `name`. */
export function download(blob: Blob, name: string): void {
	const url = URL.createObjectURL(blob);
	const link = document.createElement('a');
	link.href = url;
	link.download = name;
	document.body.append(link);
	link.click();
	link.remove();
	setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The sparkline as a PNG with its title, on white (a transparent canvas would be black in many
 * viewers): `canvas` is the drawn chart.
 */
export async function chartPng(canvas: HTMLCanvasElement, title: string, subtitle: string) {
	// The canvas is in device pixels: the text follows the same ratio.
	const scale = Math.max(1, canvas.width / Math.max(1, canvas.clientWidth));
	const width = Math.max(canvas.width, Math.round(320 * scale));
	const out = document.createElement('canvas');
	out.width = width;
	out.height = canvas.height + 64 * scale;
	const context = out.getContext('2d');
	if (!context) throw new Error('This browser cannot draw the image.');
	context.fillStyle = '#ffffff';
	context.fillRect(0, 0, out.width, out.height);
	context.fillStyle = '#1f2328';
	context.font = `600 ${16 * scale}px system-ui, sans-serif`;
	context.fillText(title, 12 * scale, 24 * scale);
	context.fillStyle = '#57606a';
	context.font = `${12 * scale}px system-ui, sans-serif`;
	context.fillText(subtitle, 12 * scale, 44 * scale);
	context.drawImage(canvas, 0, 56 * scale);
	return new Promise<Blob>((resolve, reject) =>
		out.toBlob(
			(blob) => (blob ? resolve(blob) : reject(new Error('No image was made.'))),
			'image/png'
		)
	);
}
