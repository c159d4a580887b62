import { defineMetric } from './catalog-entry';
import { shareOfActive } from './loyal-customer-share';
import { multichannelOn } from '../rollups/read';

/** PRODUCT.md §3 "Engagement beyond open rates": customers who meet us in more than one place. */
export const multichannelEngagedShare = defineMetric({
	id: 'multichannel-engaged-share',
	label: 'Multichannel engaged share',
	definition:
		'Of the customers active on the period’s last day, the share with meaningful interactions in at least two channels in the 30 days up to it. Meaningful: human clicks, replies, visits and portal logins, orders, survey answers (channel "survey") and service contacts (calls, chats, cases opened), each in its own channel; opens and machine clicks do not count.',
	unit: 'ratio',
	better: 'higher',
	compute: (db, context) => shareOfActive(db, context, multichannelOn)
});
