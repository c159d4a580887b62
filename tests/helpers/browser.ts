import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (STACK.md pitfall 11); CHROMIUM_PATH overrides it. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export async function launchBrowser(
	options: { viewport?: { width: number; height: number }; isMobile?: boolean } = {}
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
	if (!fs.existsSync(CHROMIUM)) {
		throw new Error(
			`Chromium is not installed at ${CHROMIUM}; install it (Debian: apt-get install chromium) or set CHROMIUM_PATH.`
		);
	}
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-chromium-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		viewport: options.viewport ?? { width: 1280, height: 900 },
		...(options.isMobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync'
		]
	});
	return {
		context,
		async close() {
			await context.close();
			fs.rmSync(profile, { recursive: true, force: true });
		}
	};
}

/** Signs in through the sign-in form, as a person would, and waits to have left the form. */
export async function signInWithForm(
	page: Page,
	base: string,
	email: string,
	password: string
): Promise<void> {
	await page.goto(`${base}/login`);
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL((url) => url.pathname !== '/login', { waitUntil: 'commit' });
}

/**
 * Holds back the app's scripts (as a slow connection does) until the returned function is called,
 * which lets them load and waits for the page to have hydrated.
 */
export async function holdAppScripts(page: Page): Promise<() => Promise<void>> {
	let release!: () => void;
	const released = new Promise<void>((resolve) => (release = resolve));
	const pattern = '**/_app/immutable/**/*.js';
	await page.route(pattern, async (route) => {
		await released;
		await route.continue();
	});
	return async () => {
		release();
		await page.waitForLoadState('networkidle');
		// the app's start runs after its modules arrive: one more frame for hydration to finish
		await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
		await page.unroute(pattern);
	};
}
