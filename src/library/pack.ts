// `make build`, after tsc: writes dist/library/pack.json, the template library's files already parsed (see load.ts),
// keyed by the SHA-256 of their text so that an edited file is never served from it.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PACK_FILE, packLibrary } from './load.js';

const templatesDir = resolve(process.argv[2] ?? 'templates');
const packed = packLibrary(templatesDir);
writeFileSync(PACK_FILE, JSON.stringify(packed));
console.log(`wrote ${PACK_FILE} (${Object.keys(packed).length} files from ${templatesDir})`);
