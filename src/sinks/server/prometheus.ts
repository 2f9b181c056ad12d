/** Prometheus text exposition (format 0.0.4), hand-written: counters from Metrics plus gauges read at scrape. */
import type { Metrics } from '../../pipeline/metrics.js';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const HELP: Record<string, string> = {
  tickwire_frames_total: 'WebSocket frames received from exchanges',
  tickwire_events_total: 'normalized events emitted, by exchange and type',
  tickwire_resyncs_total: 'book resyncs, by cause',
  tickwire_reconnects_total: 'exchange connection reconnects, by cause',
  tickwire_malformed_frames_total: 'exchange frames that were not valid JSON or did not match the wire schema',
  tickwire_rest_used_weight: 'REST weight used in the current window, as the exchange reports it',
  tickwire_upstream_connections: 'exchange WebSocket connections, by state',
  tickwire_uptime_seconds: 'seconds since the server started',
  tickwire_server_clients: 'connected local clients',
  tickwire_server_subscriptions: 'client subscriptions',
  tickwire_server_streams: 'upstream streams held by the server',
  tickwire_server_client_queue_bytes: 'bytes queued for a client (ws bufferedAmount + 512 per queued reply)',
  tickwire_server_client_messages_total: 'stream messages written to a client',
  tickwire_server_conflations_total: 'book streams conflated for a slow client (deltas dropped, fresh snapshot later)',
  tickwire_server_dropped_total: 'stream messages dropped for slow clients (reported with a gap status)',
  tickwire_server_behind_total: 'times a client fell behind (send buffer over the high-water mark)',
  tickwire_server_disconnects_total: 'client disconnects, by reason',
  tickwire_server_client_errors_total: 'client commands answered with an error',
  tickwire_server_rate_limited_total: 'clients closed for sending commands over the rate limit (4029)',
};

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function line(s: Sample): string {
  const keys = Object.keys(s.labels);
  const labels = keys.length === 0 ? '' : `{${keys.map((k) => `${k}="${escapeLabel(s.labels[k] ?? '')}"`).join(',')}}`;
  return `${s.name}${labels} ${Number.isFinite(s.value) ? s.value : 0}`;
}

export function renderPrometheus(counters: Metrics[], gauges: Sample[]): string {
  const groups = new Map<string, { type: 'counter' | 'gauge'; samples: Sample[] }>();
  for (const m of counters) {
    for (const c of m.entries()) {
      const g = groups.get(c.name) ?? { type: 'counter' as const, samples: [] };
      g.samples.push(c);
      groups.set(c.name, g);
    }
  }
  for (const s of gauges) {
    const g = groups.get(s.name) ?? { type: s.name.endsWith('_total') ? ('counter' as const) : ('gauge' as const), samples: [] };
    g.samples.push(s);
    groups.set(s.name, g);
  }
  const out: string[] = [];
  for (const [name, g] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.push(`# HELP ${name} ${HELP[name] ?? name.replace(/_/g, ' ')}`);
    out.push(`# TYPE ${name} ${g.type}`);
    for (const s of g.samples) out.push(line(s));
  }
  return out.join('\n') + '\n';
}
