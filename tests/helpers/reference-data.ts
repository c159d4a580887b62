import fs from 'node:fs';
import path from 'node:path';

/**
 * A file of the shared reference data (real public data sets), found through CX_REFERENCE_DATA
 * (default ../shared/data). Missing data fails the test with one sentence; it is never skipped.
 */
export function referenceDataFile(name: string): string {
	const dir = path.resolve(process.env.CX_REFERENCE_DATA || '../shared/data');
	const file = path.join(dir, name);
	if (!fs.existsSync(file)) {
		throw new Error(
			`The reference data file ${file} is missing; set CX_REFERENCE_DATA to the folder that holds ${name}.`
		);
	}
	return file;
}
