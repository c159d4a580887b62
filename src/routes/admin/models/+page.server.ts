import type { PageServerLoad } from './$types';
import { getDatabase } from '$lib/server/db/instance';
import { listFits } from '$lib/server/scoring/customer-models';
import { getSettings } from '$lib/server/settings';

export const load: PageServerLoad = async () => {
	const { db } = await getDatabase();
	const [{ timeZone }, fits] = await Promise.all([getSettings(db), listFits(db, 20)]);
	const time = new Intl.DateTimeFormat('en-GB', {
		timeZone,
		dateStyle: 'medium',
		timeStyle: 'short'
	});
	return {
		timeZone,
		fits: fits.map((fit) => ({
			fitId: fit.fitId,
			status: fit.status,
			started: time.format(fit.startedAt),
			seconds: fit.finishedAt ? (fit.finishedAt.getTime() - fit.startedAt.getTime()) / 1000 : null,
			until: fit.until,
			customers: fit.customers,
			bgnbd: fit.parameters
				? {
						r: fit.parameters.bgnbd.r,
						alpha: fit.parameters.bgnbd.alpha,
						a: fit.parameters.bgnbd.a,
						b: fit.parameters.bgnbd.b,
						logLikelihood: fit.parameters.bgnbd.logLikelihood
					}
				: null,
			spendFallback: fit.parameters?.spendFallback ?? null,
			gammaGamma: fit.parameters?.gammaGamma
				? {
						p: fit.parameters.gammaGamma.p,
						q: fit.parameters.gammaGamma.q,
						gamma: fit.parameters.gammaGamma.gamma,
						customers: fit.parameters.gammaGamma.customers,
						leftOut: fit.parameters.gammaGamma.leftOut
					}
				: null,
			error: fit.error
		}))
	};
};
