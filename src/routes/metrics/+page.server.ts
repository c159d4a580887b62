import type { PageServerLoad } from './$types';
import { catalogDescription } from '$lib/server/metrics/describe';

export const load: PageServerLoad = () => catalogDescription();
