import { createLoginThrottle } from './throttle';

/** The server's one login throttle (failures per account and per IP, in memory). */
export const loginThrottle = createLoginThrottle();
