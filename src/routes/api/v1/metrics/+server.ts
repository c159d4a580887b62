import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { describeCatalog } from '$lib/server/api/metrics';

/** The metric catalog: ids, labels, definitions, units, targets. */
export const GET: RequestHandler = async () => json({ metrics: describeCatalog() });
