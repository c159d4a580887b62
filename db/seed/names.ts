/** Name parts for the demo people; every address is on a reserved example domain. */
export const FIRST_NAMES = [
	'Olivia',
	'Liam',
	'Emma',
	'Noah',
	'Amelia',
	'Oliver',
	'Ava',
	'Elijah',
	'Sophia',
	'Lucas',
	'Mia',
	'Mateo',
	'Isabella',
	'Levi',
	'Charlotte',
	'Ethan',
	'Harper',
	'James',
	'Luna',
	'Mason',
	'Evelyn',
	'Leo',
	'Aria',
	'Hugo',
	'Chloe',
	'Jonas',
	'Ella',
	'Finn',
	'Nora',
	'Luca',
	'Ines',
	'Matteo',
	'Lea',
	'Elias',
	'Zoe',
	'Felix',
	'Maya',
	'Samuel',
	'Hannah',
	'Adam',
	'Sara',
	'David',
	'Clara',
	'Daniel',
	'Alice',
	'Marco',
	'Julia',
	'Paul',
	'Lina',
	'Omar',
	'Aisha',
	'Kenji',
	'Priya',
	'Arjun',
	'Mei',
	'Diego',
	'Lucia',
	'Tomas',
	'Freya',
	'Ravi'
] as const;

export const LAST_NAMES = [
	'Smith',
	'Johnson',
	'Williams',
	'Brown',
	'Jones',
	'Garcia',
	'Miller',
	'Davis',
	'Martinez',
	'Lopez',
	'Wilson',
	'Anderson',
	'Taylor',
	'Thomas',
	'Moore',
	'Martin',
	'Lee',
	'Thompson',
	'White',
	'Harris',
	'Clark',
	'Lewis',
	'Walker',
	'Young',
	'King',
	'Wright',
	'Scott',
	'Green',
	'Baker',
	'Adams',
	'Nelson',
	'Hill',
	'Campbell',
	'Mitchell',
	'Roberts',
	'Carter',
	'Phillips',
	'Evans',
	'Turner',
	'Torres',
	'Müller',
	'Schmidt',
	'Dubois',
	'Moreau',
	'Rossi',
	'Russo',
	'Janssen',
	'de Vries',
	'Novak',
	'Kowalski',
	'Nielsen',
	'Larsen',
	'Svensson',
	'Berg',
	'Fischer',
	'Weber',
	'Ferrari',
	'Costa',
	'Silva',
	'Santos'
] as const;

export const EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org'] as const;

export const HUMAN_USER_AGENTS = [
	'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
	'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
	'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
	'Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36',
	'Microsoft Outlook 16.0.18129; Microsoft Outlook 16.0.18129'
] as const;

/** Image-prefetching proxies: Apple Mail Privacy Protection sends a bare agent, Gmail names itself. */
export const PROXY_USER_AGENTS = {
	apple: 'Mozilla/5.0',
	google:
		'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)'
} as const;

export const SCANNER_USER_AGENTS = [
	'Mimecast-URL-Protect/2.1',
	'Barracuda Sentinel (EE)',
	'Proofpoint URL Defense'
] as const;

export const SURVEY_COMMENTS = {
	promoter: [
		'Fast delivery and friendly support.',
		'Great quality, I keep coming back.',
		'Love the new app, ordering is so easy.'
	],
	passive: ['Fine overall, a bit pricey.', 'Good, but delivery took a while.'],
	detractor: [
		'Still waiting for my refund.',
		'Support did not call back.',
		'Too many marketing emails.'
	]
} as const;
