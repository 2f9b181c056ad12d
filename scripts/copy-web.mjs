// Build step: copy the dashboard's static files next to its compiled modules (dist/web), so the package ships them.
import { copyFileSync, mkdirSync } from 'node:fs';

mkdirSync('dist/web', { recursive: true });
for (const f of ['index.html', 'style.css', 'favicon.svg']) copyFileSync(`web/${f}`, `dist/web/${f}`);
