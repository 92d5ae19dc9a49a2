// The dashboard's loop: once a second it reads the silo's API, rebuilds the model and updates graph, tables and
// panel in place. Polling (not a stream) keeps it to plain GETs that any silo and any proxy in between can answer.

import { AuthRequiredError, NotFoundError, getJson, storeToken, storedToken } from './api.js';
import { GraphView } from './graph.js';
import { edgeKey, graphFromRegistry, graphFromTraffic, namespacesOf, withIdleServices } from './model.js';
import { renderEdgePanel, renderGone, renderNodePanel } from './panel.js';
import { renderEdgeTable, renderNodeTable, renderValidationTable } from './tables.js';

const REFRESH_MS = 1000;
const TRAFFIC_WINDOW_SECONDS = windowFromUrl(10);

const $ = id => document.getElementById(id);

/**
 * The traffic window in seconds: the default unless the page's URL names one (/dashboard?window=60, 1..300, the
 * silo's limit). A window longer than a load run shows the whole run, so rate × window is the run's request count.
 */
function windowFromUrl(fallback) {
  const text = new URLSearchParams(location.search).get('window');
  const seconds = Number(text);
  return text && Number.isInteger(seconds) && seconds >= 1 && seconds <= 300 ? seconds : fallback;
}

const state = {
  namespace: '',
  selection: null, // { type: 'node', id } | { type: 'edge', source, target }
  services: [],
  endpoints: [],
  subscribers: [],
  subscribersError: '',
  messages: [],
  model: { fromTraffic: false, nodes: [], edges: [] },
};

const graph = new GraphView($('graph'), {
  onSelectNode: id => select({ type: 'node', id }),
  onSelectEdge: (source, target, protocol) => select({ type: 'edge', source, target, protocol }),
});
// Read by the browser tests (and handy in the console): how many refreshes completed, where the nodes are laid
// out, where one is drawn on screen and with which classes (kind, health, protocol).
window.meshDashboardRefreshes = 0;
window.meshDashboardNodePositions = () => graph.positions();
window.meshDashboardNodeOnScreen = id => graph.renderedPosition(id);
window.meshDashboardElementClasses = id => graph.classesOf(id);

function select(selection) {
  state.selection = selection;
  graph.select(selection);
  render();
  // A node's sidecars are read only while one is selected: fetch them now rather than on the next tick.
  refreshSoon();
}

function query(params) {
  const search = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v !== null && v !== undefined));
  const text = search.toString();
  return text ? `?${text}` : '';
}

async function refresh() {
  const ns = state.namespace;
  const [traffic, services, endpoints, analysis, subscribers] = await Promise.allSettled([
    getJson(`/api/v1/traffic/graph${query({ namespace: ns, window: TRAFFIC_WINDOW_SECONDS })}`),
    getJson('/api/v1/services?limit=10000'),
    getJson(`/api/v1/endpoints${query({ namespace: ns, limit: 10000 })}`),
    getJson(`/api/v1/analysis${query({ namespace: ns })}`),
    state.selection?.type === 'node' ? getJson('/api/v1/subscribers') : Promise.resolve(null),
  ]);

  const results = [traffic, services, endpoints, analysis, subscribers];
  if (results.some(r => r.status === 'rejected' && r.reason instanceof AuthRequiredError)) {
    showTokenForm(results.find(r => r.reason instanceof AuthRequiredError).reason.message);
    return;
  }
  $('token-form').hidden = true;
  if (ns !== state.namespace) {
    return; // The filter changed while these were in flight; the next round reads the new namespace.
  }

  if (services.status === 'fulfilled') state.services = services.value;
  if (endpoints.status === 'fulfilled') state.endpoints = endpoints.value;
  if (analysis.status === 'fulfilled') state.messages = analysis.value.messages ?? [];
  if (subscribers.status === 'fulfilled' && subscribers.value) state.subscribers = subscribers.value;
  state.subscribersError = subscribers.status === 'rejected' ? `sidecars: ${subscribers.reason.message}` : '';

  let note = '';
  if (traffic.status === 'fulfilled') {
    state.model = withIdleServices(graphFromTraffic(traffic.value), state.services, state.endpoints, ns);
  } else {
    state.model = graphFromRegistry(state.services, state.endpoints, ns);
    note = traffic.reason instanceof NotFoundError ? 'no traffic data' : `no traffic data (${traffic.reason.message})`;
  }
  $('graph-note').textContent = note;

  const failed = results.filter(r => r.status === 'rejected' && !(r.reason instanceof NotFoundError));
  setStatus(failed.length === 0
    ? `updated ${new Date().toLocaleTimeString()}`
    : `some reads failed: ${failed.map(r => r.reason.message).join('; ')}`, failed.length > 0);
  render();
  window.meshDashboardRefreshes = (window.meshDashboardRefreshes ?? 0) + 1;
}

function render() {
  const { model, selection } = state;
  updateNamespaceFilter();
  graph.render(model, { showNamespace: state.namespace === '' });
  graph.select(selection);
  renderEdgeTable($('edge-table').tBodies[0], model.edges, selection);
  renderNodeTable($('node-table').tBodies[0], model.nodes, selection);
  renderValidationTable($('validation-table').tBodies[0], state.messages);
  $('edge-count').textContent = `(${model.edges.length})`;
  $('node-count').textContent = `(${model.nodes.length})`;
  $('validation-count').textContent = `(${state.messages.length})`;
  renderPanel();
}

function renderPanel() {
  const panel = $('side-panel');
  const { selection, model } = state;
  if (!selection) {
    return;
  }
  if (selection.type === 'node') {
    const node = model.nodes.find(n => n.id === selection.id);
    if (node) {
      renderNodePanel(panel, node, state);
    } else {
      renderGone(panel, selection.id);
    }
  } else {
    const edge = model.edges.find(e => edgeKey(e) === edgeKey(selection));
    if (edge) {
      renderEdgePanel(panel, edge);
    } else {
      renderGone(panel, `${selection.source} → ${selection.target}`);
    }
  }
}

function updateNamespaceFilter() {
  const filter = $('namespace-filter');
  const namespaces = namespacesOf(state.services, state.model);
  if (state.namespace && !namespaces.includes(state.namespace)) {
    namespaces.push(state.namespace);
  }
  const signature = namespaces.join('\n');
  if (filter.dataset.signature === signature) {
    return;
  }
  filter.dataset.signature = signature;
  const all = new Option('all namespaces', '');
  filter.replaceChildren(all, ...namespaces.map(ns => new Option(ns, ns)));
  filter.value = state.namespace;
}

function showTokenForm(message) {
  $('token-form').hidden = false;
  setStatus(storedToken() ? `the token was refused: ${message}` : 'this silo needs a read token', true);
}

function setStatus(text, isError) {
  const status = $('status');
  status.textContent = text;
  status.classList.toggle('error', Boolean(isError));
}

// One refresh at a time: a slow silo delays the next round instead of piling up requests.
let running = false;
let again = false;
let timer = 0;

async function loop() {
  if (running) {
    again = true;
    return;
  }
  running = true;
  clearTimeout(timer);
  try {
    await refresh();
  } catch (error) {
    setStatus(`refresh failed: ${error.message}`, true);
  } finally {
    running = false;
    if (again) {
      again = false;
      queueMicrotask(loop);
    } else {
      timer = setTimeout(loop, REFRESH_MS);
    }
  }
}

function refreshSoon() {
  loop();
}

$('namespace-filter').addEventListener('change', event => {
  state.namespace = event.target.value;
  state.selection = null;
  $('side-panel').replaceChildren(Object.assign(document.createElement('p'), { className: 'placeholder', textContent: 'Click a service or a connection to see its details.' }));
  refreshSoon();
});

$('token-form').addEventListener('submit', event => {
  event.preventDefault();
  storeToken($('token-input').value.trim());
  $('token-input').value = '';
  refreshSoon();
});

function rowClicks(tableId, toSelection) {
  $(tableId).tBodies[0].addEventListener('click', event => {
    const row = event.target.closest('tr[data-testid]');
    if (row) {
      select(toSelection(row.dataset));
    }
  });
}

rowClicks('node-table', data => ({ type: 'node', id: data.nodeId }));
rowClicks('edge-table', data => ({ type: 'edge', source: data.source, target: data.target, protocol: data.protocol }));

loop();
