/**
 * tickwire through the README's documented book path: `stream(…).books()` — read-only views of the hub's own
 * verified books — reading the best bid and ask on every trusted update (what the README's example does).
 * `TW_DIST` loads another build's `dist/`.
 */
import { runBooksClient } from '../lib/books-client.mjs';

await runBooksClient((events$) => events$.books());
