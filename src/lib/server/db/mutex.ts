/** A first-come, first-served lock for async code. */
export function createMutex() {
	let tail: Promise<void> = Promise.resolve();
	let held = false;
	let waiting = 0;

	return {
		get held() {
			return held;
		},
		/** How many callers are waiting for the lock right now (not counting the holder). */
		get waiting() {
			return waiting;
		},
		/** Waits for the lock and returns the function that releases it (call it exactly once). */
		async lock(): Promise<() => void> {
			let release!: () => void;
			const next = new Promise<void>((resolve) => (release = resolve));
			const previous = tail;
			tail = previous.then(() => next);
			waiting++;
			try {
				await previous;
			} finally {
				waiting--;
			}
			held = true;
			let released = false;
			return () => {
				if (released) return;
				released = true;
				held = false;
				release();
			};
		}
	};
}

export type Mutex = ReturnType<typeof createMutex>;
