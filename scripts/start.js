// `npm start`: build if needed, then run the built server on 127.0.0.1 unless HOST says otherwise.
import { ensureBuild } from './ensure-build.js';

ensureBuild();
process.env.HOST ||= '127.0.0.1';
process.env.PORT ||= '3000';
console.log(`CX Command Center: starting on http://${process.env.HOST}:${process.env.PORT}`);
await import('../build/index.js');
