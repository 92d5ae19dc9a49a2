// Turns what the silo's APIs answer into the one graph model the page draws, and matches the registry, the
// subscribers and the analysis findings to a node. Pure functions: no DOM, no fetch.

/** The traffic API's graph, as is (the page shows nodes and edges exactly as the silo measured them). */
export function graphFromTraffic(traffic) {
  return {
    fromTraffic: true,
    nodes: (traffic.nodes ?? []).map(node => ({ ...node, kind: node.kind ?? 'workload' })),
    edges: (traffic.edges ?? []).map(edge => ({ ...edge, protocol: edge.protocol ?? 'http', routes: edge.routes ?? [] })),
  };
}

/**
 * Without traffic data (a silo without the traffic API), one node per registered service, coloured by the health
 * of its endpoints, and no edges: the registry knows who exists, not who calls whom.
 */
export function graphFromRegistry(services, endpoints, namespace) {
  const nodes = services
    .filter(service => !namespace || service.metadata.namespace === namespace)
    .map(service => {
      const ns = service.metadata.namespace ?? 'default';
      const name = service.metadata.name;
      const own = endpoints.filter(e => e.namespace === ns && e.service === name);
      const versions = [...new Set(own.map(e => e.labels?.version).filter(Boolean))].sort();
      return {
        id: `${ns}/${name}`,
        namespace: ns,
        workload: name,
        app: name,
        version: versions.join(', '),
        kind: 'workload',
        requestsPerSecond: null,
        errorRate: null,
        health: registryHealth(own),
      };
    });
  return { fromTraffic: false, nodes, edges: [] };
}

function registryHealth(endpoints) {
  if (endpoints.length === 0) {
    return 'idle';
  }
  const healthy = endpoints.filter(e => String(e.health).toLowerCase() === 'healthy').length;
  if (healthy === endpoints.length) {
    return 'healthy';
  }
  return healthy === 0 ? 'failing' : 'degraded';
}

/**
 * Registered services that carried no traffic in the window have no node in the traffic graph; they are added as
 * registry nodes (coloured by their endpoints' health) so the graph always shows every service the mesh knows.
 */
export function withIdleServices(model, services, endpoints, namespace) {
  const present = new Set(model.nodes.map(n => `${n.namespace}/${serviceOf(n)}`));
  const registry = graphFromRegistry(services, endpoints, namespace).nodes
    .filter(n => !present.has(`${n.namespace}/${n.app}`));
  return { ...model, nodes: [...model.nodes, ...registry] };
}

/** The service a node belongs to: its app label, else its workload name. */
export function serviceOf(node) {
  return node.app || node.workload || node.id;
}

/** The endpoints of a node: its service's, narrowed to its version when both say one. */
export function endpointsOf(node, endpoints) {
  const service = serviceOf(node);
  return endpoints.filter(e =>
    e.namespace === node.namespace &&
    e.service === service &&
    (!node.version || node.version.includes(',') || !e.labels?.version || e.labels.version === node.version));
}

/** The sidecars serving a node: same namespace and service (or app label), and version when both say one. */
export function subscribersOf(node, subscribers) {
  const service = serviceOf(node);
  return subscribers.filter(s => {
    const info = s.node ?? {};
    const labels = info.labels ?? {};
    if (info.namespace !== node.namespace || (info.service !== service && labels.app !== service)) {
      return false;
    }
    return !node.version || node.version.includes(',') || !labels.version || labels.version === node.version;
  });
}

/**
 * A sidecar's configuration state: the silo's own verdict when it sends one, else derived from the revisions:
 * a NACK at or after the last ACK means it refused the newest push; something sent but not acknowledged is stale.
 */
export function syncState(subscriber) {
  if (subscriber.sync) {
    return subscriber.sync;
  }
  const acked = subscriber.ackedRevision ?? 0;
  if (subscriber.nackedRevision !== null && subscriber.nackedRevision !== undefined && subscriber.nackedRevision >= acked) {
    return 'nacked';
  }
  return (subscriber.sentRevision ?? 0) > acked ? 'stale' : 'synced';
}

/** The analysis findings that name a node's service, in their resource or their text (hosts, subsets, names). */
export function findingsOf(node, messages) {
  const service = serviceOf(node);
  const pattern = new RegExp(`(^|[^a-z0-9-])${escapeRegExp(service)}([^a-z0-9-]|$)`, 'i');
  return messages.filter(m => pattern.test(m.resource ?? '') || pattern.test(m.message ?? ''));
}

/** Every namespace the page has seen, for the filter. */
export function namespacesOf(services, graph) {
  const names = new Set(services.map(s => s.metadata.namespace ?? 'default'));
  for (const node of graph?.nodes ?? []) {
    if (node.namespace) {
      names.add(node.namespace);
    }
  }
  return [...names].sort();
}

/** An edge whose health is fine but that carried nothing in the window is drawn grey, not green. */
export function edgeHealthClass(edge) {
  const health = edge.health ?? 'healthy';
  return health === 'healthy' && !(edge.requestsPerSecond > 0) && !(edge.connectionsPerSecond > 0) ? 'idle' : health;
}

/** True for an edge of proxied TCP connections (counted in connections and bytes, not requests). */
export function isTcp(edge) {
  return edge.protocol === 'tcp';
}

/** One id per caller → callee pair and protocol: HTTP and TCP between the same two nodes are two arrows. */
export function edgeKey(edge) {
  return isTcp(edge) ? `${edge.source}->${edge.target}#tcp` : `${edge.source}->${edge.target}`;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
