// Draws the service graph with Cytoscape.js and its dagre layout: layered, left to right, callers before callees.
// Positions are kept across refreshes; the layout runs again only when the set of nodes changes, so a live graph
// never jumps around while its numbers update.

import cytoscape from './vendor/cytoscape.esm.min.mjs';
import cytoscapeDagre from './vendor/cytoscape-dagre.min.mjs';
import { edgeHealthClass, edgeKey, isTcp } from './model.js';
import { bytesPerSecond, connectionRate, millis, mtlsClass, percent, rate } from './format.js';
import { graphStyle } from './graph-style.js';

cytoscape.use(cytoscapeDagre);

// Below this zoom an edge label's 10 px text is under 7 px on screen: unreadable, so not drawn.
const EDGE_LABEL_MIN_ZOOM = 0.7;

export class GraphView {
  #cy;
  #nodeSetKey = '';

  constructor(container, { onSelectNode, onSelectEdge }) {
    this.#cy = cytoscape({
      container,
      style: graphStyle,
      minZoom: 0.1,
      maxZoom: 3,
      wheelSensitivity: 0.3,
      // Large graphs: draw a bitmap while panning and zooming instead of every label.
      textureOnViewport: true,
      hideEdgesOnViewport: false,
    });
    this.#cy.on('tap', 'node', event => onSelectNode(event.target.id()));
    this.#cy.on('tap', 'edge', event => onSelectEdge(event.target.data('source'), event.target.data('target'), event.target.data('protocol')));
    this.#cy.on('zoom', () => this.#showEdgeLabelsByZoom());
  }

  /** Shows the model: adds, updates and removes elements in place; lays out only when the node set changed. */
  render(model, { showNamespace }) {
    const cy = this.#cy;
    const wanted = new Map();
    for (const node of model.nodes) {
      wanted.set(node.id, { group: 'nodes', data: nodeData(node, showNamespace), classes: nodeClasses(node) });
    }
    for (const edge of model.edges) {
      // An edge to a node that is filtered out (another namespace) would have nothing to attach to.
      if (wanted.has(edge.source) && wanted.has(edge.target)) {
        wanted.set(edgeKey(edge), { group: 'edges', data: edgeData(edge), classes: edgeClasses(edge) });
      }
    }

    cy.batch(() => {
      cy.elements().forEach(element => {
        if (!wanted.has(element.id())) {
          element.remove();
        }
      });
      const added = [];
      for (const [id, element] of wanted) {
        const existing = cy.getElementById(id);
        if (existing.nonempty()) {
          existing.data(element.data);
          existing.classes(element.classes);
        } else {
          added.push(element);
        }
      }
      // Nodes before edges: an edge needs both ends to exist.
      cy.add(added.filter(e => e.group === 'nodes'));
      cy.add(added.filter(e => e.group === 'edges'));
    });

    // Whether there are edges at all decides the layout kind (layers or a grid), so it is part of the key.
    const nodeSetKey = `${model.edges.length > 0}\n${model.nodes.map(n => n.id).sort().join('\n')}`;
    if (nodeSetKey !== this.#nodeSetKey) {
      this.#nodeSetKey = nodeSetKey;
      this.#layout(model.edges.length > 0);
    }
    this.#showEdgeLabelsByZoom();
  }

  /** Every node's position, sorted by id, as JSON: lets a test (or a curious reader in the console) see that nothing moved. */
  positions() {
    return JSON.stringify(this.#cy.nodes().map(n => [n.id(), Math.round(n.position('x')), Math.round(n.position('y'))]).sort());
  }

  /** Where a node is drawn, in pixels from the graph container's top left (null when absent): lets a test click it. */
  renderedPosition(id) {
    const node = this.#cy.getElementById(id);
    return node.nonempty() ? node.renderedPosition() : null;
  }

  /** The classes a node or edge is drawn with (kind, health, protocol), space-separated; '' when absent. */
  classesOf(id) {
    const element = this.#cy.getElementById(id);
    return element.nonempty() ? element.classes().join(' ') : '';
  }

  /** Marks the selected node or edge (null clears). */
  select(selection) {
    this.#cy.elements().removeClass('selected');
    if (selection?.type === 'node') {
      this.#cy.getElementById(selection.id).addClass('selected');
    } else if (selection?.type === 'edge') {
      this.#cy.getElementById(edgeKey(selection)).addClass('selected');
    }
  }

  #layout(layered) {
    const cy = this.#cy;
    if (cy.nodes().empty()) {
      return;
    }
    if (!layered) {
      // Without edges there are no layers: dagre would stack every service in one column; a grid stays readable.
      cy.layout({ name: 'grid', fit: true, padding: 24, avoidOverlap: true, avoidOverlapPadding: 16, sort: (a, b) => a.id().localeCompare(b.id()), animate: false }).run();
      this.#limitZoom();
      return;
    }
    cy.layout({
      name: 'dagre',
      rankDir: 'LR',
      // Room between layers for the edge labels. A large mesh is fitted zoomed out, where edge labels are not drawn
      // anyway, so its layers sit closer and the node labels stay legible.
      rankSep: cy.nodes().length > 30 ? 90 : 170,
      // Siblings far enough apart that the two-line labels of edges fanning out from one caller do not stack up
      // against each other mid-way (which label belongs to which arrow must be plain).
      nodeSep: cy.nodes().length > 30 ? 24 : 64,
      edgeSep: 12,
      ranker: 'network-simplex',
      fit: true,
      padding: 24,
      animate: false,
    }).run();
    this.#limitZoom();
  }

  #showEdgeLabelsByZoom() {
    const zoomedOut = this.#cy.zoom() < EDGE_LABEL_MIN_ZOOM;
    this.#cy.batch(() => this.#cy.edges().toggleClass('zoomed-out', zoomedOut));
  }

  // Fitting a small graph would blow it up to giant boxes; cap the zoom and centre it instead.
  #limitZoom() {
    const cy = this.#cy;
    if (cy.zoom() > 1.2) {
      cy.zoom(1.2);
      cy.center();
    }
  }
}

function nodeData(node, showNamespace) {
  // An external host has no app or version; the second line says what it is.
  const detail = node.kind === 'external'
    ? 'external'
    : [node.app && node.app !== node.workload ? node.app : '', node.version].filter(Boolean).join(' ');
  const where = showNamespace && node.namespace ? node.namespace : '';
  const second = [detail, where].filter(Boolean).join(' · ');
  return {
    id: node.id,
    label: second ? `${node.workload || node.id}\n${second}` : (node.workload || node.id),
  };
}

function nodeClasses(node) {
  return [`health-${node.health ?? 'idle'}`, `kind-${node.kind ?? 'workload'}`];
}

function edgeData(edge) {
  const mtls = edge.mtlsShare === null || edge.mtlsShare === undefined ? 'mTLS ?' : `mTLS ${percent(edge.mtlsShare)}`;
  const label = isTcp(edge)
    ? `TCP ${connectionRate(edge.connectionsPerSecond)} · ${bytesPerSecond(edge.receivedBytesPerSecond + edge.sentBytesPerSecond)}\n${mtls}`
    : `${rate(edge.requestsPerSecond)} · ${percent(edge.errorRate)} 5xx\np99 ${millis(edge.p99Ms)} · ${mtls}`;
  return { id: edgeKey(edge), source: edge.source, target: edge.target, protocol: edge.protocol, label };
}

function edgeClasses(edge) {
  return [`health-${edgeHealthClass(edge)}`, mtlsClass(edge.mtlsShare), `protocol-${edge.protocol ?? 'http'}`];
}
