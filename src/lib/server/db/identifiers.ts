/** A name as a double-quoted SQL identifier, for the few statements built from table names. */
export function quoteIdentifier(name: string): string {
	return `"${name.replaceAll('"', '""')}"`;
}
