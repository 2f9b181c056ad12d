/**
 * tickwire's previous README path, for comparison: `stream(…).pipe(books())`, which rebuilds a second copy of every
 * book from the events (the path for events that do not come from a local hub: NATS, a recording, a remote
 * server). Reads the best bid and ask on every trusted update, like `tickwire-books.mjs`.
 */
import { runBooksClient } from '../lib/books-client.mjs';

await runBooksClient((events$, tw) => events$.pipe(tw.books()));
