// The graph's look. Canvas elements cannot be styled from CSS, so the health colours repeat those in styles.css.

const colours = {
  healthy: '#2e7d32',
  degraded: '#e08a00',
  failing: '#c62828',
  idle: '#9e9e9e',
};

export const graphStyle = [
  {
    selector: 'node',
    style: {
      shape: 'round-rectangle',
      width: 'label',
      height: 'label',
      padding: '8px',
      'background-color': '#ffffff',
      'border-width': 3,
      'border-color': colours.idle,
      label: 'data(label)',
      'text-wrap': 'wrap',
      'text-valign': 'center',
      'text-halign': 'center',
      'font-size': 12,
      'font-family': 'system-ui, sans-serif',
      color: '#1f2933',
      // Below this size (zoomed far out on a large mesh) labels are skipped rather than drawn as noise.
      'min-zoomed-font-size': 6,
    },
  },
  { selector: 'node.kind-gateway', style: { shape: 'cut-rectangle', 'background-color': '#eef3fb' } },
  { selector: 'node.kind-unknown', style: { shape: 'ellipse', 'border-style': 'dashed' } },
  // A host outside the mesh (a MESH_EXTERNAL ServiceEntry): a barrel with a double border, so it never reads as a workload.
  { selector: 'node.kind-external', style: { shape: 'barrel', 'border-style': 'double', 'border-width': 5, padding: '12px' } },
  ...Object.entries(colours).map(([health, colour]) => ({
    selector: `node.health-${health}`,
    style: { 'border-color': colour, 'background-color': health === 'idle' ? '#f5f5f5' : tint(colour) },
  })),
  {
    selector: 'edge',
    style: {
      width: 2,
      'curve-style': 'bezier',
      'target-arrow-shape': 'triangle',
      'line-color': colours.idle,
      'target-arrow-color': colours.idle,
      label: 'data(label)',
      'text-wrap': 'wrap',
      'font-size': 10,
      'font-family': 'system-ui, sans-serif',
      color: '#1f2933',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.9,
      'text-background-padding': '2px',
      'min-zoomed-font-size': 6,
    },
  },
  ...Object.entries(colours).map(([health, colour]) => ({
    selector: `edge.health-${health}`,
    style: { 'line-color': colour, 'target-arrow-color': colour },
  })),
  // Edge labels need a closer look than node labels: on a large mesh fitted to the screen they would only clutter.
  // (Cytoscape's min-zoomed-font-size rounds the zoom up to a power of two, too coarse to do this by itself.)
  { selector: 'edge.zoomed-out', style: { label: '' } },
  // Traffic without mTLS is drawn dashed, so plaintext stands out without reading the labels.
  { selector: 'edge.mtls-none', style: { 'line-style': 'dashed' } },
  { selector: 'edge.mtls-partial', style: { 'line-style': 'dashed', 'line-dash-pattern': [8, 3] } },
  // Connections rather than requests: a thicker line with a square-ended arrow.
  { selector: 'edge.protocol-tcp', style: { width: 4, 'target-arrow-shape': 'square', 'arrow-scale': 0.8 } },
  { selector: '.selected', style: { 'overlay-color': '#1565c0', 'overlay-opacity': 0.15, 'overlay-padding': 6 } },
];

function tint(hex) {
  // 12 % of the colour over white: readable dark text on a hint of the health colour.
  const channel = i => Math.round(255 - (255 - parseInt(hex.slice(i, i + 2), 16)) * 0.12);
  return `rgb(${channel(1)}, ${channel(3)}, ${channel(5)})`;
}
