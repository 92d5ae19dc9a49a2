// The tables under the graph: every connection with its numbers, every service, and every analysis finding.
// They are the readable (and testable) form of what the canvas draws.

import { el, lockIcon, replaceRows } from './dom.js';
import { bytesPerSecond, connectionRate, millis, mtlsClass, percent, perSecond, rate } from './format.js';
import { edgeHealthClass, edgeKey, isTcp } from './model.js';

/** The mTLS badge: lock icon and share; green at 100 %, amber when partial, grey with an open lock at 0 %. */
export function mtlsBadge(share) {
  const kind = mtlsClass(share);
  const text = kind === 'mtls-unknown' ? 'unknown' : percent(share);
  return el('span', { class: `badge ${kind}`, 'data-testid': 'mtls-badge', title: 'share of requests (or TCP connections) over mutual TLS' },
    lockIcon(kind === 'mtls-full' || kind === 'mtls-partial'), ` ${text}`);
}

export function renderEdgeTable(tbody, edges, selection) {
  const selected = selection?.type === 'edge' ? edgeKey(selection) : '';
  replaceRows(tbody, JSON.stringify([edges, selected]), () => edges.length === 0
    ? [el('tr', { 'data-testid': 'edge-empty' }, el('td', { colspan: 13, class: 'empty' }, 'No connections: no traffic in the window.'))]
    : edges.map(edge => edgeRow(edge, edgeKey(edge) === selected)));
}

// A TCP edge has connections and bytes; the request columns (status classes, denials, latency) do not apply to it.
function edgeRow(edge, isSelected) {
  const health = edgeHealthClass(edge);
  const tcp = isTcp(edge);
  const http = value => (tcp ? '–' : value);
  return el('tr', {
    'data-testid': 'edge-row',
    'data-source': edge.source,
    'data-target': edge.target,
    'data-protocol': edge.protocol ?? 'http',
    'data-health': health,
    class: `clickable health-${health}${isSelected ? ' selected' : ''}`,
  },
  el('td', { 'data-testid': 'edge-source' }, edge.source),
  el('td', { 'data-testid': 'edge-target' }, edge.target),
  el('td', { 'data-testid': 'edge-service' }, edge.destinationService ?? ''),
  el('td', { 'data-testid': 'edge-protocol' }, tcp ? 'TCP' : 'HTTP'),
  el('td', { 'data-testid': 'edge-rate', class: 'num' }, tcp ? connectionRate(edge.connectionsPerSecond) : rate(edge.requestsPerSecond)),
  el('td', { 'data-testid': 'edge-bytes', class: 'num' }, tcp ? bytes(edge) : '–'),
  el('td', { 'data-testid': 'edge-5xx', class: 'num' }, http(percent(edge.errorRate))),
  el('td', { 'data-testid': 'edge-4xx', class: 'num' }, http(percent(edge.clientErrorRate))),
  el('td', { 'data-testid': 'edge-denied', class: 'num' }, http(perSecond(edge.deniedPerSecond))),
  el('td', { 'data-testid': 'edge-p50', class: 'num' }, http(millis(edge.p50Ms))),
  el('td', { 'data-testid': 'edge-p99', class: 'num' }, http(millis(edge.p99Ms))),
  el('td', { 'data-testid': 'edge-mtls' }, mtlsBadge(edge.mtlsShare)),
  el('td', { 'data-testid': 'edge-health' }, el('span', { class: `pill health-${health}` }, health)));
}

/** Bytes towards the callee (what the caller sent) and back towards the caller. */
export function bytes(edge) {
  return el('span', { title: 'bytes per second to the destination · back to the caller' },
    el('span', { 'data-testid': 'edge-bytes-out' }, `→ ${bytesPerSecond(edge.receivedBytesPerSecond)}`), ' · ',
    el('span', { 'data-testid': 'edge-bytes-back' }, `← ${bytesPerSecond(edge.sentBytesPerSecond)}`));
}

export function renderNodeTable(tbody, nodes, selection) {
  const selected = selection?.type === 'node' ? selection.id : '';
  replaceRows(tbody, JSON.stringify([nodes, selected]), () => nodes.map(node => el('tr', {
    'data-testid': 'node-row',
    'data-node-id': node.id,
    'data-kind': node.kind ?? 'workload',
    'data-health': node.health ?? 'idle',
    class: `clickable${node.id === selected ? ' selected' : ''}`,
  },
  el('td', { 'data-testid': 'node-namespace' }, node.namespace ?? ''),
  el('td', { 'data-testid': 'node-workload' }, node.workload || node.id, node.kind === 'external' ? el('span', { class: 'kind-tag', 'data-testid': 'node-kind' }, 'external') : null),
  el('td', { 'data-testid': 'node-app' }, node.app ?? ''),
  el('td', { 'data-testid': 'node-version' }, node.version ?? ''),
  el('td', { 'data-testid': 'node-rate', class: 'num' }, node.requestsPerSecond === null || node.requestsPerSecond === undefined ? '–' : rate(node.requestsPerSecond)),
  el('td', { 'data-testid': 'node-errors', class: 'num' }, node.errorRate === null || node.errorRate === undefined ? '–' : percent(node.errorRate)),
  el('td', { 'data-testid': 'node-health' }, el('span', { class: `pill health-${node.health ?? 'idle'}` }, node.health ?? 'idle')))));
}

function findingRow(message) {
  const level = String(message.level ?? '').toLowerCase();
  return el('tr', { 'data-testid': 'validation-row', 'data-code': message.code, class: `level-${level}` },
    el('td', { 'data-testid': 'validation-code' }, message.code ?? ''),
    el('td', { 'data-testid': 'validation-level' }, el('span', { class: `pill level-${level}` }, message.level ?? '')),
    el('td', { 'data-testid': 'validation-resource' }, message.resource ?? ''),
    el('td', { 'data-testid': 'validation-message' }, message.message ?? ''));
}

export function renderValidationTable(tbody, messages) {
  replaceRows(tbody, JSON.stringify(messages), () => messages.length === 0
    ? [el('tr', { 'data-testid': 'validation-empty' }, el('td', { colspan: 4, class: 'empty' }, 'No findings: the configuration passes analysis.'))]
    : messages.map(findingRow));
}
