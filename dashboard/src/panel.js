// The side panel: details of the clicked node (endpoints, sidecars' sync state, findings) or edge (traffic numbers
// and the per-route split).

import { el } from './dom.js';
import { bytesPerSecond, connectionRate, millis, percent, perSecond, rate } from './format.js';
import { endpointsOf, findingsOf, isTcp, subscribersOf, syncState } from './model.js';
import { mtlsBadge } from './tables.js';

export function renderNodePanel(panel, node, { endpoints, subscribers, messages, subscribersError }) {
  const ownEndpoints = endpointsOf(node, endpoints);
  const sidecars = subscribersOf(node, subscribers);
  const findings = findingsOf(node, messages);
  // el() drops null children; replaceChildren would print them as "null".
  panel.replaceChildren(...[
    el('h3', { 'data-testid': 'panel-title' }, node.workload || node.id),
    el('p', { class: 'subtitle' }, [node.namespace, node.app, node.version].filter(Boolean).join(' · '),
      ' ', el('span', { class: `pill health-${node.health ?? 'idle'}`, 'data-testid': 'panel-health' }, node.health ?? 'idle')),

    el('h4', {}, `Endpoints (${ownEndpoints.length})`),
    table('panel-endpoints', ['address', 'port', 'health'], ownEndpoints.map(e =>
      el('tr', { 'data-testid': 'endpoint-row', 'data-endpoint': e.name },
        el('td', {}, e.address), el('td', { class: 'num' }, e.port),
        el('td', {}, el('span', { class: `pill endpoint-${String(e.health).toLowerCase()}` }, String(e.health).toLowerCase())))),
    'No endpoints registered.'),

    el('h4', {}, `Sidecars (${sidecars.length})`),
    subscribersError ? el('p', { class: 'error' }, subscribersError) : null,
    table('panel-sidecars', ['node', 'silo', 'sync'], sidecars.map(s => {
      const sync = syncState(s);
      return el('tr', { 'data-testid': 'sidecar-row', 'data-sync': sync },
        el('td', {}, s.node?.id ?? s.id), el('td', {}, s.siloId ?? ''),
        el('td', { 'data-testid': 'sidecar-sync' }, el('span', { class: `pill sync-${sync}` }, sync),
          sync === 'nacked' && s.lastNackError ? el('div', { class: 'nack-error' }, s.lastNackError) : null));
    }), 'No sidecar of this service is subscribed.'),

    el('h4', {}, `Validation (${findings.length})`),
    findings.length === 0
      ? el('p', { class: 'empty', 'data-testid': 'panel-findings-empty' }, 'No findings name this service.')
      : el('ul', { class: 'findings', 'data-testid': 'panel-findings' }, findings.map(findingItem)),
  ].filter(Boolean));
}

// The side panel is narrow: a finding reads better as a short block than as a four-column row.
function findingItem(message) {
  const level = String(message.level ?? '').toLowerCase();
  return el('li', { 'data-testid': 'panel-finding', 'data-code': message.code, class: `level-${level}` },
    el('div', {}, el('span', { class: `pill level-${level}` }, message.level ?? ''), ' ', el('strong', {}, message.code ?? ''), ' ', message.resource ?? ''),
    el('div', { class: 'finding-message' }, message.message ?? ''));
}

export function renderEdgePanel(panel, edge) {
  if (isTcp(edge)) {
    renderTcpEdgePanel(panel, edge);
    return;
  }
  panel.replaceChildren(
    el('h3', { 'data-testid': 'panel-title' }, `${edge.source} → ${edge.target}`),
    el('p', { class: 'subtitle' }, edge.destinationService ?? '', ' ', el('span', { class: `pill health-${edge.health}` }, edge.health)),
    el('dl', { class: 'details', 'data-testid': 'edge-details' },
      detail('rate', 'Rate', rate(edge.requestsPerSecond)),
      detail('5xx', 'Server errors (5xx)', percent(edge.errorRate)),
      detail('4xx', 'Client errors (4xx)', percent(edge.clientErrorRate)),
      // Denials are policy doing its job, not failures: shown apart from the error rates.
      detail('denied', 'Denied by AuthorizationPolicy', perSecond(edge.deniedPerSecond)),
      detail('p50', 'Latency p50', millis(edge.p50Ms)),
      detail('p99', 'Latency p99', millis(edge.p99Ms)),
      detail('mtls', 'Mutual TLS', mtlsBadge(edge.mtlsShare))),
    el('h4', {}, 'Routes'),
    table('route-table', ['route', 'subset', 'rate'], (edge.routes ?? []).map(r =>
      el('tr', { 'data-testid': 'route-row' },
        el('td', {}, r.route ?? ''), el('td', {}, r.subset ?? ''), el('td', { class: 'num' }, rate(r.requestsPerSecond)))),
    'No per-route data.'),
  );
}

function renderTcpEdgePanel(panel, edge) {
  panel.replaceChildren(
    el('h3', { 'data-testid': 'panel-title' }, `${edge.source} → ${edge.target} (TCP)`),
    el('p', { class: 'subtitle' }, edge.destinationService ?? '', ' ', el('span', { class: `pill health-${edge.health}` }, edge.health)),
    el('dl', { class: 'details', 'data-testid': 'edge-details' },
      detail('connections', 'Connections opened', connectionRate(edge.connectionsPerSecond)),
      // A failed connection found no upstream (no healthy endpoint, connect failure, no route, refused).
      detail('failed', 'Failed connections', percent(edge.errorRate)),
      detail('bytes-out', 'Bytes to the destination', bytesPerSecond(edge.receivedBytesPerSecond)),
      detail('bytes-back', 'Bytes back to the caller', bytesPerSecond(edge.sentBytesPerSecond)),
      detail('mtls', 'Mutual TLS', mtlsBadge(edge.mtlsShare))),
  );
}

export function renderGone(panel, what) {
  panel.replaceChildren(el('p', { class: 'placeholder', 'data-testid': 'panel-gone' }, `${what} is not in the graph any more.`));
}

function detail(testId, label, value) {
  return el('div', {}, el('dt', {}, label), el('dd', { 'data-testid': `detail-${testId}` }, value));
}

function table(testId, headings, rows, emptyText) {
  if (rows.length === 0) {
    return el('p', { class: 'empty', 'data-testid': `${testId}-empty` }, emptyText);
  }
  return el('table', { 'data-testid': testId },
    el('thead', {}, el('tr', {}, headings.map(h => el('th', {}, h)))),
    el('tbody', {}, rows));
}
